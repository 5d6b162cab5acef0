"""A signed event whose payload lacks or mistypes a field the processing reads is refused on
arrival: stored as rejected with its reason (the admin shows it), nothing applied, never a 500.
Stripe gets a 400 in the error envelope; Paystack a 200 that says it was rejected (it would
otherwise resend the same body for days). See docs/payments.md."""

import copy
import json

import pytest
from django.urls import reverse

from apps.orders.models import Order, Payment, WebhookEvent
from apps.orders.services import webhooks
from tests.fakes.signing import paystack_signature, stripe_signature_header
from tests.helpers import assert_error

from .factories import checkout, new_cart, sellable, succeeded_event

pytestmark = pytest.mark.django_db
PAYSTACK_KEY = "sk_test_paystack_payloads"


@pytest.fixture
def pending(api_client, settings):
    settings.PAYSTACK_SECRET_KEY = PAYSTACK_KEY
    sellable("PL-1", usd="25.00", on_hand=4)
    cart = new_cart(api_client, items={"PL-1": 2})
    number = checkout(api_client, cart).json()["order"]["number"]
    return Payment.objects.get(order__number=number)


def post_stripe(client, event: dict | bytes):
    from django.conf import settings

    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = stripe_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)
    return client.post(
        "/api/v1/webhooks/stripe", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def post_paystack(client, event: dict | bytes):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return client.post(
        "/api/v1/webhooks/paystack", data=body, content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=paystack_signature(body, PAYSTACK_KEY),
    )  # fmt: skip


def without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


def stripe_case(change):
    def build(payment):
        event = succeeded_event(payment)
        change(event, event["data"]["object"])
        return event

    return build


def _set(key, value):
    return lambda event, obj: obj.__setitem__(key, value)


def _refunded(**changes):
    def change(event, obj):
        event["type"] = "charge.refunded"
        event["data"]["object"] = {
            "id": "ch_1", "object": "charge", "payment_intent": obj["id"], "currency": "usd",
            "amount_refunded": 2000, **changes,
        }  # fmt: skip

    return change


STRIPE_CASES = {
    "no amount": (stripe_case(lambda e, o: o.pop("amount")), "data.object.amount"),
    "no currency": (stripe_case(lambda e, o: o.pop("currency")), "data.object.currency"),
    "amount as a string": (stripe_case(_set("amount", "6500")), "data.object.amount"),
    "amount as a float": (stripe_case(_set("amount", 65.5)), "data.object.amount"),
    "amount as a boolean": (stripe_case(_set("amount", True)), "data.object.amount"),
    "a negative amount": (stripe_case(_set("amount", -1)), "data.object.amount"),
    "amount_received as text": (stripe_case(_set("amount_received", "all")), "data.object.amount_received"),
    "currency as a number": (stripe_case(_set("currency", 840)), "data.object.currency"),
    "currency not a code": (stripe_case(_set("currency", "dollars")), "data.object.currency"),
    "no intent id": (stripe_case(lambda e, o: o.pop("id")), "data.object.id"),
    "intent id as a list": (stripe_case(_set("id", ["pi_1"])), "data.object.id"),
    "object not an object": (stripe_case(lambda e, o: e["data"].__setitem__("object", "pi")), "data.object"),
    "no data": (stripe_case(lambda e, o: e.pop("data")), "data"),
    "refund amount as text": (stripe_case(_refunded(amount_refunded="x")), "data.object.amount_refunded"),
    "refund without currency": (stripe_case(_refunded(currency=None)), "data.object.currency"),
    "failure message as a dict": (
        stripe_case(
            lambda e, o: (
                e.__setitem__("type", "payment_intent.payment_failed"),
                o.__setitem__("last_payment_error", {"message": {"text": "declined"}}),
            )
        ),
        "data.object.last_payment_error.message",
    ),
}


def assert_nothing_applied(payment: Payment):
    payment.refresh_from_db()
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == ("pending", 0, 0)
    assert payment.provider_refunds == {}
    assert Order.objects.get(pk=payment.order_id).status == "pending_payment"


@pytest.mark.parametrize("case", list(STRIPE_CASES))
def test_a_malformed_stripe_event_is_400_stored_as_rejected_and_changes_nothing(
    api_client, pending, case, django_capture_on_commit_callbacks
):
    build, field = STRIPE_CASES[case]
    event = build(pending)
    for attempt in (1, 2):  # Stripe retries: the same answer, one row
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = post_stripe(api_client, event)
        assert_error(response, 400, code="invalid_payload", attr=field)
        assert not queued  # nothing to process
    stored = WebhookEvent.objects.get()
    assert (stored.event_id, stored.rejected, stored.processed_at) == (event["id"], True, None)
    assert stored.error.startswith("rejected: ") and field in stored.error
    assert stored.payload == event
    assert_nothing_applied(pending)
    assert webhooks.webhook_process(event_pk=stored.pk) == "rejected on arrival: not applied"
    assert_nothing_applied(pending)


def paystack_charge(payment, **changes) -> dict:
    data = {"id": 991, "reference": payment.reference, "amount": 6500, "currency": "USD", "status": "success"}
    return {"event": "charge.success", "data": {**data, **changes}}


def paystack_refund(payment, **changes) -> dict:
    data = {"id": "77", "transaction_reference": payment.reference, "amount": 2000, "currency": "USD",
            "status": "processed"}  # fmt: skip
    return {"event": "refund.processed", "data": {**data, **changes}}


PAYSTACK_CASES = {
    'amount "abc"': (lambda p: paystack_charge(p, amount="abc"), "data.amount"),
    "no amount": (lambda p: {**paystack_charge(p), "data": without(paystack_charge(p)["data"], "amount")},
                  "data.amount"),
    "reference as an object": (lambda p: paystack_charge(p, reference={"r": 1}, id=5), "data.reference"),
    "currency not a code": (lambda p: paystack_charge(p, currency="naira"), "data.currency"),
    "refund amount as text": (lambda p: paystack_refund(p, amount="2000"), "data.amount"),
    "refund of nothing": (lambda p: paystack_refund(p, amount=0), "data.amount"),
    "refund without its transaction": (
        lambda p: {
            **paystack_refund(p), "data": without(paystack_refund(p)["data"], "transaction_reference")
        },
        "data.transaction_reference",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PAYSTACK_CASES))
def test_a_malformed_paystack_event_is_acknowledged_stored_as_rejected_and_changes_nothing(
    api_client, pending, case, django_capture_on_commit_callbacks
):
    build, field = PAYSTACK_CASES[case]
    Payment.objects.filter(pk=pending.pk).update(provider="paystack")
    event = build(pending)
    for attempt in (1, 2):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = post_paystack(api_client, event)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["duplicate"] is (attempt == 2) and field in body["rejected"]
        assert not queued
    stored = WebhookEvent.objects.get()
    assert stored.rejected and stored.processed_at is None and field in stored.error
    assert_nothing_applied(pending)


def test_rejected_events_are_listed_in_the_admin_with_their_reason(client, make_user, api_client, pending):
    event = succeeded_event(pending)
    del event["data"]["object"]["amount"]
    post_stripe(api_client, event)
    client.force_login(make_user("admin", is_staff=True))
    listing = client.get(reverse("admin:orders_webhookevent_changelist"), {"rejected__exact": "1"})
    assert listing.status_code == 200 and event["id"].encode() in listing.content
    page = client.get(reverse("admin:orders_webhookevent_change", args=[WebhookEvent.objects.get().pk]))
    assert b"data.object.amount: This field is required." in page.content


def test_a_well_formed_event_is_still_processed(api_client, pending, django_capture_on_commit_callbacks):
    event = succeeded_event(pending)
    event["data"]["object"]["description"] = {"any": ["shape", 1, None]}  # fields not read: not checked
    with django_capture_on_commit_callbacks(execute=True):
        assert post_stripe(api_client, event).json()["duplicate"] is False
    pending.refresh_from_db()
    assert pending.status == "succeeded" and not WebhookEvent.objects.get().rejected


# --- What PostgreSQL refuses to store: NUL characters, lone surrogates, ids past the column ---
NUL = "\x00"


def _nul_in_intent_id(payment):
    event = succeeded_event(payment)
    event["data"]["object"]["id"] = payment.reference + NUL
    return event, "data.object.id"


def _nul_in_event_id(payment):
    event = succeeded_event(payment)
    event["id"] = "evt_" + NUL + "1"
    return event, "id"


def _long_event_id(payment):
    event = succeeded_event(payment)
    event["id"] = "evt_" + "x" * 400  # 404 characters
    return event, "id"


def _nul_in_type(payment):
    event = succeeded_event(payment)
    event["type"] = "payment_intent.succeeded" + NUL
    return event, "type"


@pytest.mark.postgres
@pytest.mark.parametrize("build", [_nul_in_intent_id, _nul_in_event_id, _long_event_id, _nul_in_type])
def test_nul_and_overlong_ids_are_rejected_and_stored_on_postgresql(
    api_client, pending, build, django_capture_on_commit_callbacks
):
    event, field = build(pending)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe(api_client, event)
    assert_error(response, 400, code="invalid_payload", attr=field)
    stored = WebhookEvent.objects.get()
    assert stored.rejected and field in stored.error
    assert NUL not in stored.event_id + stored.type and len(stored.event_id) <= 255
    assert NUL not in json.dumps(stored.payload)
    again = post_stripe(api_client, event)  # the same bounded id: found, not stored twice
    assert again.status_code == 400 and WebhookEvent.objects.count() == 1
    assert_nothing_applied(pending)


@pytest.mark.postgres
def test_nul_and_lone_surrogates_in_fields_not_read_are_kept_escaped_and_processed(
    api_client, pending, django_capture_on_commit_callbacks
):
    event = succeeded_event(pending)
    event["data"]["object"]["description"] = "Order\x00 for \ud800 Ada"
    event["data"]["object"]["metadata"]["note\x00"] = "x"
    body = json.dumps(event).encode()  # \u0000 and \ud800 escapes, as JSON has them
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe(api_client, body)
    assert response.status_code == 200, response.content
    stored = WebhookEvent.objects.get()
    assert not stored.rejected and stored.processed_at is not None
    assert stored.payload["data"]["object"]["description"] == "Order\\u0000 for \\ud800 Ada"
    pending.refresh_from_db()
    assert pending.status == "succeeded"


@pytest.mark.postgres
def test_a_paystack_reference_with_nul_is_rejected_on_postgresql(api_client, pending):
    Payment.objects.filter(pk=pending.pk).update(provider="paystack")
    event = paystack_charge(pending, reference=pending.reference + NUL, id=None)
    response = post_paystack(api_client, event)
    assert response.status_code == 200 and "data.reference" in response.json()["rejected"]
    stored = WebhookEvent.objects.get()
    assert stored.rejected and NUL not in stored.event_id
    assert_nothing_applied(pending)


def test_the_stored_payload_is_a_copy_as_received(pending):
    """storable() leaves ordinary payloads untouched (and does not change the caller's)."""
    event = succeeded_event(pending)
    original = copy.deepcopy(event)
    assert webhooks.storable(value=event) == original and event == original
