from tests.fakes.fixtures import paystack_fake, paystack_server, stripe_fake, stripe_server  # noqa: F401
