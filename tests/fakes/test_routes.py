"""The provider fakes serve exactly the routes the code calls.

- Both ways, from the code: the Stripe and Paystack calls written in apps/ are found and sent
  to the fakes; each must land on a route the fake serves, and each route the fake serves must
  be one of them (a fake grows a route when the code does, not before).
- At run time: a request to a route a fake does not serve is answered as the provider answers an
  unknown URL and kept in ``fake.unserved``; the fixtures (``stripe_fake``, ``paystack_fake``,
  the notifications' ``resend`` and ``twilio``) call ``assert_all_served()`` after every test, so
  the test whose code made such a call fails.
"""

import base64
import inspect
import re
from pathlib import Path

import pytest
import requests
import stripe

from tests.fakes.paystack_fake import PaystackFake
from tests.fakes.stripe_fake import StripeFake
from tests.notifications.fakes import ResendFake, TwilioFake

APPS = Path(__file__).resolve().parents[2] / "apps"


def _sources():
    return {path: path.read_text() for path in APPS.rglob("*.py")}


def _route_patterns(fake, recorded) -> set[str]:
    patterns = set()
    for request in recorded:
        for method, pattern, _ in fake.ROUTES:
            if method == request.method and re.fullmatch(pattern, request.path):
                patterns.add(f"{method} {pattern}")
    return patterns


def _all_patterns(fake) -> set[str]:
    return {f"{method} {pattern}" for method, pattern, _ in fake.ROUTES}


def test_the_stripe_fake_serves_exactly_the_stripe_calls_in_apps():
    calls = set()
    for path, text in _sources().items():
        calls |= set(re.findall(r"\.v1\.(\w+)\.(\w+)\(", text))
        # The code talks to Stripe through StripeClient(...).v1 only; a module-level resource call
        # (stripe.PaymentIntent.create...) would escape this test.
        module_level = set(re.findall(r"\bstripe\.([A-Z]\w*)\.(\w+)\(", text)) - {
            ("Webhook", "construct_event")
        }
        assert not module_level, f"{path}: {module_level}"
    assert calls, "no Stripe calls found in apps/: has the client moved?"
    with StripeFake() as fake:
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)
        for service, method in sorted(calls):
            call = getattr(getattr(client.v1, service), method)
            signature = inspect.signature(call).parameters
            ids = [
                "x_placeholder" for p in signature.values() if p.kind is p.POSITIONAL_ONLY
            ]  # "intent: str, /"
            try:
                call(*ids, params={})  # the fake may refuse the (empty) parameters; the route is what counts
            except stripe.InvalidRequestError as exc:
                assert "Unrecognized request URL" not in str(exc), f"v1.{service}.{method}: {exc}"
        assert len(fake.requests) == len(calls)
        fake.assert_all_served()
        assert _route_patterns(fake, fake.requests) == _all_patterns(fake), "routes nothing in apps/ calls"


def test_the_paystack_fake_serves_exactly_the_paystack_calls_in_apps():
    text = (APPS / "orders" / "payments" / "paystack.py").read_text()
    calls = set(re.findall(r"_call\(\s*\"(GET|POST|PUT|DELETE)\",\s*\"([^\"]+)\"", text))
    written = len(re.findall(r"(?<!def )_call\(", text))
    assert (
        calls and len(re.findall(r"_call\(\s*\"(GET|POST|PUT|DELETE)\",\s*\"([^\"]+)\"", text)) == written
    ), 'every Paystack call is _call("METHOD", "/literal/path", ...): keep it so, or teach this test'
    for path, source in _sources().items():
        if "PAYSTACK_API_BASE" in source:
            assert path.name == "paystack.py", (
                f"{path} calls Paystack outside apps/orders/payments/paystack.py"
            )
    with PaystackFake() as fake:
        headers = {"Authorization": f"Bearer {fake.secret_key}"}
        for method, path in sorted(calls):
            requests.request(method, fake.url + path, headers=headers, json={} if method != "GET" else None)
        fake.assert_all_served()
        assert _route_patterns(fake, fake.requests) == _all_patterns(fake), "routes nothing in apps/ calls"


def _unknown_request(fake):
    """A plausible provider call the code does not make, authenticated as the code would be."""
    if isinstance(fake, StripeFake):
        return "GET", "/v1/customers", {"Authorization": f"Bearer {fake.api_key}"}
    if isinstance(fake, PaystackFake):
        return "GET", "/transaction/verify/FD-1", {"Authorization": f"Bearer {fake.secret_key}"}
    if isinstance(fake, ResendFake):
        return "GET", "/emails/abc", {"Authorization": f"Bearer {fake.api_key}"}
    login = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    return "GET", f"/2010-04-01/Accounts/{fake.account_sid}/Calls.json", {"Authorization": f"Basic {login}"}


@pytest.mark.parametrize("fake_class", [StripeFake, PaystackFake, ResendFake, TwilioFake])
def test_a_call_to_a_route_the_fake_does_not_serve_fails_the_check(fake_class):
    with fake_class() as fake:
        method, path, headers = _unknown_request(fake)
        assert not fake.serves(method, path)
        response = requests.request(method, fake.url + path, headers=headers)
        assert response.status_code == 404  # as the provider answers an unknown URL
        assert [(r.method, r.path) for r in fake.unserved] == [(method, path)]
        with pytest.raises(AssertionError, match=re.escape(f"{method} {path}")):
            fake.assert_all_served()
        fake.reset()
        fake.assert_all_served()
