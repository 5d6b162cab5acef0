"""Stripe and Paystack webhooks: verified, stored, processed once; bad ones change nothing."""

import hashlib
import hmac
import json
import time

import pytest

from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Order, Payment, WebhookEvent
from tests.helpers import assert_error

from .factories import checkout, new_cart, sellable, stripe_delivery, stripe_signature, succeeded_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(api_client):
    variant = sellable("WH-1", usd="25.00", on_hand=4)
    cart = new_cart(api_client, items={"WH-1": 2})
    number = checkout(api_client, cart).json()["order"]["number"]
    return {
        "order": Order.objects.get(number=number),
        "payment": Payment.objects.get(order__number=number),
        "variant": variant,
    }


def deliver(client, event, capture, **kwargs):
    with capture(execute=True):
        return stripe_delivery(client, event, **kwargs)


def test_payment_succeeded_pays_the_order_and_commits_its_stock_once(
    api_client, pending, django_capture_on_commit_callbacks
):
    event = succeeded_event(pending["payment"])
    first = deliver(api_client, event, django_capture_on_commit_callbacks)
    assert first.status_code == 200 and first.json()["duplicate"] is False
    order = Order.objects.get(pk=pending["order"].pk)
    assert order.status == "paid" and order.paid_at is not None
    level = StockLevel.objects.get(variant=pending["variant"])
    assert (level.on_hand, level.reserved) == (2, 0)
    assert set(Reservation.objects.values_list("state", flat=True)) == {"committed"}
    payment = Payment.objects.get(pk=pending["payment"].pk)
    assert (payment.status, str(payment.amount_captured)) == ("succeeded", "65.00")
    again = deliver(api_client, event, django_capture_on_commit_callbacks)  # Stripe retries
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1 and WebhookEvent.objects.get().processed_at is not None
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (2, 0)
    assert list(order.history.values_list("to_status", flat=True)) == ["pending_payment", "paid"]


def test_a_tampered_body_or_a_stale_timestamp_is_400_and_stores_nothing(api_client, pending):
    event = succeeded_event(pending["payment"])
    tampered = json.dumps({**event, "type": "charge.refunded"}).encode()
    assert_error(stripe_delivery(api_client, event, body=tampered), 400, code="invalid_signature")
    stale = int(time.time()) - 3600
    assert_error(stripe_delivery(api_client, event, timestamp=stale), 400, code="invalid_signature")
    assert_error(stripe_delivery(api_client, event, secret="whsec_wrong"), 400, code="invalid_signature")
    response = api_client.post("/api/v1/webhooks/stripe", data=b"{}", content_type="application/json")
    assert_error(response, 400, code="invalid_signature")
    assert not WebhookEvent.objects.exists()
    assert Order.objects.get(pk=pending["order"].pk).status == "pending_payment"


def test_an_amount_mismatch_flags_the_payment_and_does_not_pay_the_order(
    api_client, pending, django_capture_on_commit_callbacks
):
    event = succeeded_event(pending["payment"], amount=100, amount_received=100)
    deliver(api_client, event, django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=pending["order"].pk)
    payment = Payment.objects.get(pk=pending["payment"].pk)
    assert order.status == "pending_payment" and order.needs_review
    assert payment.status == "needs_review" and "1.00 USD" in payment.review_reason
    wrong_currency = succeeded_event(pending["payment"], currency="eur")
    wrong_currency["id"] = "evt_other"
    deliver(api_client, wrong_currency, django_capture_on_commit_callbacks)
    assert Order.objects.get(pk=pending["order"].pk).status == "pending_payment"


def test_failure_refund_and_dispute_events(api_client, pending, django_capture_on_commit_callbacks):
    payment = pending["payment"]
    failed = succeeded_event(payment)
    failed.update(id="evt_failed", type="payment_intent.payment_failed")
    failed["data"]["object"]["last_payment_error"] = {"message": "Your card was declined."}
    deliver(api_client, failed, django_capture_on_commit_callbacks)
    assert Payment.objects.get(pk=payment.pk).status == "failed"
    Payment.objects.filter(pk=payment.pk).update(status="pending")
    deliver(api_client, succeeded_event(payment), django_capture_on_commit_callbacks)
    refunded = {
        "id": "evt_refund",
        "type": "charge.refunded",
        "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": payment.reference,
                            "currency": "usd", "amount_refunded": 6500}},
    }  # fmt: skip
    deliver(api_client, refunded, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert (payment.status, str(payment.amount_refunded)) == ("refunded", "65.00")
    assert Order.objects.get(pk=pending["order"].pk).status == "refunded"
    dispute = {
        "id": "evt_dispute",
        "type": "charge.dispute.created",
        "data": {
            "object": {
                "id": "dp_1",
                "object": "dispute",
                "payment_intent": payment.reference,
                "reason": "fraudulent",
            }
        },
    }
    deliver(api_client, dispute, django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=pending["order"].pk)
    assert order.needs_review and "fraudulent" in order.review_reason


def test_unknown_event_types_are_stored_and_ignored(api_client, django_capture_on_commit_callbacks):
    event = {"id": "evt_misc", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    assert deliver(api_client, event, django_capture_on_commit_callbacks).status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None


def paystack_post(client, body: dict, secret: str):
    payload = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), payload, hashlib.sha512).hexdigest()
    return client.post(
        "/api/v1/webhooks/paystack",
        data=payload,
        content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=signature,
    )


def test_paystack_charge_success_pays_an_ngn_order(api_client, settings, django_capture_on_commit_callbacks):
    settings.PAYSTACK_SECRET_KEY = "sk_test_paystack"
    sellable("NG-1", usd="1.00", ngn="15000.00", on_hand=3)
    cart = new_cart(api_client, currency="NGN", items={"NG-1": 1})
    order = Order.objects.get(number=checkout(api_client, cart).json()["order"]["number"])
    payment = order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(provider="paystack", reference=order.number)
    data = {"id": 991, "reference": order.number, "amount": int(order.total * 100), "currency": "NGN"}
    body = {"event": "charge.success", "data": {**data, "status": "success"}}
    assert_error(paystack_post(api_client, body, "wrong"), 400, code="invalid_signature")
    assert not WebhookEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert paystack_post(api_client, body, "sk_test_paystack").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert paystack_post(api_client, body, "sk_test_paystack").json()["duplicate"] is True
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert WebhookEvent.objects.get().event_id == "charge.success:991"


@pytest.mark.parametrize("body", [b'{"id": "evt_no_type"}', b"[]", b'"just a string"'])
def test_a_signed_body_that_is_not_an_event_is_400_and_stores_nothing(api_client, settings, body):
    response = api_client.post(
        "/api/v1/webhooks/stripe", data=body, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(body, settings.STRIPE_WEBHOOK_SECRET, None),
    )  # fmt: skip
    assert_error(response, 400, code="invalid_payload")
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("data", [[], "x", None])
def test_a_signed_paystack_body_with_odd_data_is_400_and_stores_nothing(api_client, settings, data):
    settings.PAYSTACK_SECRET_KEY = "sk_test_paystack"
    body = json.dumps({"event": "charge.success", "data": data}).encode()
    signature = hmac.new(b"sk_test_paystack", body, hashlib.sha512).hexdigest()
    response = api_client.post(
        "/api/v1/webhooks/paystack",
        body,
        content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=signature,
    )
    assert_error(response, 400, code="invalid_payload")
    assert not WebhookEvent.objects.exists()


def test_a_failing_event_keeps_its_error_and_attempts_and_changes_nothing_else(pending, monkeypatch):
    from apps.orders.services import webhooks

    event = WebhookEvent.objects.create(
        provider="stripe", event_id="evt_fails", type="payment_intent.succeeded",
        payload=succeeded_event(pending["payment"]),
    )  # fmt: skip

    def explode(payload):
        Order.objects.filter(pk=pending["order"].pk).update(status="paid")  # a partial effect
        raise KeyError("amount_received")

    monkeypatch.setitem(webhooks.STRIPE_HANDLERS, "payment_intent.succeeded", explode)
    for attempt in (1, 2):
        with pytest.raises(KeyError):
            webhooks.webhook_process(event_pk=event.pk)
        event.refresh_from_db()
        assert (event.attempts, event.processed_at) == (attempt, None)
        assert event.error == "KeyError: 'amount_received'"
    assert Order.objects.get(pk=pending["order"].pk).status == "pending_payment"  # rolled back

    monkeypatch.undo()
    assert webhooks.webhook_process(event_pk=event.pk) != "already processed"
    event.refresh_from_db()
    assert (event.attempts, event.error) == (3, "") and event.processed_at is not None
    assert Order.objects.get(pk=pending["order"].pk).status == "paid"
