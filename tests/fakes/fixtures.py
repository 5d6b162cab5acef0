"""Pytest fixtures for the provider fakes. Import them into a conftest::

    from tests.fakes.fixtures import paystack_server, stripe_server  # noqa: F401
    # optional, per-test reset + settings pointed at the fakes:
    from tests.fakes.fixtures import paystack_fake, stripe_fake  # noqa: F401

``stripe_server`` / ``paystack_server`` are session-scoped: one server per test session, on
127.0.0.1 and a free port, stopped (threads joined, connections closed) when the session ends.
Their state is shared across tests: call ``.reset()`` at the start of a test, or use the
function-scoped ``stripe_fake`` / ``paystack_fake``, which reset the server before and after the
test and point Django's settings at it; after the test they fail it if it requested a route the
fake does not serve (``assert_all_served``). Importing this module starts nothing.
"""

from __future__ import annotations

import pytest

from .paystack_fake import PaystackFake
from .stripe_fake import StripeFake


@pytest.fixture(scope="session")
def stripe_server():
    """The Stripe fake: ``.url`` (use as api_base), ``.api_key``, ``.webhook_secret``, ``.reset()``,
    helpers (``add_payment_intent``, ``succeed_payment_intent``, ``fail_next``...)."""
    fake = StripeFake().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def paystack_server():
    """The Paystack fake: ``.url`` (use as PAYSTACK_API_BASE), ``.secret_key``, ``.reset()``,
    helpers (``add_transaction``, ``mark_success``, ``signed_webhook``, ``fail_next``...)."""
    fake = PaystackFake().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def stripe_fake(stripe_server, settings):
    """``stripe_server``, reset, with STRIPE_SECRET_KEY / STRIPE_API_BASE / STRIPE_WEBHOOK_SECRET
    set to the fake's for this test; fails the test if it requested a route the fake does not
    serve."""
    stripe_server.reset()
    settings.STRIPE_SECRET_KEY = stripe_server.api_key
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = stripe_server.webhook_secret
    yield stripe_server
    try:
        stripe_server.assert_all_served()
    finally:
        stripe_server.reset()


@pytest.fixture
def paystack_fake(paystack_server, settings):
    """``paystack_server``, reset, with PAYSTACK_SECRET_KEY / PAYSTACK_API_BASE set to the fake's;
    fails the test if it requested a route the fake does not serve."""
    paystack_server.reset()
    settings.PAYSTACK_SECRET_KEY = paystack_server.secret_key
    settings.PAYSTACK_API_BASE = paystack_server.url
    yield paystack_server
    try:
        paystack_server.assert_all_served()
    finally:
        paystack_server.reset()
