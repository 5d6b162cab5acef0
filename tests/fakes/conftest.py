"""The provider fakes' own tests use the shared fixtures, exactly as other test packages will."""

from tests.fakes.fixtures import paystack_fake, paystack_server, stripe_fake, stripe_server  # noqa: F401
