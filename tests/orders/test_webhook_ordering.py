"""Providers deliver events out of order and more than once: whatever the order of a payment's
``succeeded`` and ``refunded`` events (and a repeated delivery of any of them), the payment and
its order end in the same state. Every event goes through the real webhook endpoint, signed as
the provider signs it."""

import json
from decimal import Decimal
from itertools import permutations

import pytest

from apps.orders.models import Order, Payment, WebhookEvent
from apps.orders.pricing import to_minor_units
from tests.fakes.signing import paystack_signature, stripe_signature_header

from .factories import checkout, new_cart, sellable, succeeded_event

pytestmark = pytest.mark.django_db
PAYSTACK_KEY = "sk_test_paystack_ordering"


def orderings(names: tuple[str, ...]):
    """Every distinct order of ``names`` plus one repeated delivery of any of them."""
    for repeated in names:
        yield from sorted(set(permutations((*names, repeated))))


# (provider, events delivered, captured, refunded, payment status, order status)
FULL = ("succeeded", "partial_refund", "full_refund")
PARTIAL = ("succeeded", "partial_refund")
CASES = [
    (provider, order, expected)
    for provider in ("stripe", "paystack")
    for names, expected in (
        (FULL, ("full", "refunded", "refunded")),
        (PARTIAL, ("partial", "partially_refunded", "paid")),
    )
    for order in orderings(names)
]


@pytest.fixture
def placed(api_client, settings):
    settings.PAYSTACK_SECRET_KEY = PAYSTACK_KEY
    sellable("ORD-1", usd="25.00", ngn="15000.00", on_hand=5)

    def place(currency: str) -> Payment:
        cart = new_cart(api_client, currency=currency, items={"ORD-1": 2})
        number = checkout(api_client, cart).json()["order"]["number"]
        return Payment.objects.get(order__number=number)

    return place


def stripe_events(payment: Payment, partial: Decimal) -> dict:
    """Stripe: ``payment_intent.succeeded``; ``charge.refunded`` carries the charge's cumulative
    ``amount_refunded`` (a partial refund, then the rest)."""
    minor = to_minor_units(payment.amount, payment.currency)

    def refunded(event_id: str, amount_refunded: int) -> dict:
        charge = {
            "id": "ch_ordering", "object": "charge", "payment_intent": payment.reference,
            "amount": minor, "amount_captured": minor, "amount_refunded": amount_refunded,
            "captured": True, "currency": payment.currency.lower(), "paid": True,
            "refunded": amount_refunded >= minor, "status": "succeeded",
        }  # fmt: skip
        return {"id": event_id, "object": "event", "type": "charge.refunded", "data": {"object": charge}}

    return {
        "succeeded": succeeded_event(payment),
        "partial_refund": refunded("evt_refund_partial", to_minor_units(partial, payment.currency)),
        "full_refund": refunded("evt_refund_full", minor),
    }


def paystack_events(payment: Payment, partial: Decimal) -> dict:
    """Paystack: ``charge.success``; each ``refund.processed`` carries ONE refund (its id and
    amount): a partial refund, then a second refund of the rest."""
    minor = to_minor_units(payment.amount, payment.currency)
    partial_minor = to_minor_units(partial, payment.currency)

    def refund(refund_id: int, amount: int) -> dict:
        data = {
            "status": "processed", "transaction_reference": payment.reference,
            "refund_reference": f"RFN{refund_id}", "amount": amount, "currency": payment.currency,
            "processor": "mpgs_zen", "integration": 100001, "domain": "test", "id": str(refund_id),
            "customer": {"first_name": "Chidi", "last_name": "Buyer", "email": "ada@example.com"},
        }  # fmt: skip
        return {"event": "refund.processed", "data": data}

    charge = {
        "id": 4242, "domain": "test", "status": "success", "reference": payment.reference,
        "amount": minor, "currency": payment.currency, "gateway_response": "Successful",
        "channel": "card", "metadata": {"order_number": payment.order.number},
    }  # fmt: skip
    return {
        "succeeded": {"event": "charge.success", "data": charge},
        "partial_refund": refund(7001, partial_minor),
        "full_refund": refund(7002, minor - partial_minor),
    }


def deliver(client, provider: str, event: dict):
    body = json.dumps(event).encode()
    from django.conf import settings

    if provider == "stripe":
        headers = {"HTTP_STRIPE_SIGNATURE": stripe_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)}
    else:
        headers = {"HTTP_X_PAYSTACK_SIGNATURE": paystack_signature(body, settings.PAYSTACK_SECRET_KEY)}
    return client.post(f"/api/v1/webhooks/{provider}", data=body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("provider", "order", "expected"),
    CASES,
    ids=[f"{p}-{'>'.join(o)}" for p, o, _ in CASES],
)
def test_any_order_of_succeeded_and_refund_events_ends_in_the_same_state(
    api_client, placed, provider, order, expected, django_capture_on_commit_callbacks
):
    if provider == "stripe":
        payment = placed("USD")
        Payment.objects.filter(pk=payment.pk).update(provider="stripe")
        partial, events = Decimal("20.00"), None
        events = stripe_events(payment, partial)
    else:
        payment = placed("NGN")
        Payment.objects.filter(pk=payment.pk).update(provider="paystack", reference=payment.order.number)
        payment.refresh_from_db()
        partial = Decimal("2000.00")
        events = paystack_events(payment, partial)
    seen = set()
    for name in order:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(api_client, provider, events[name])
        assert response.status_code == 200, response.content
        assert response.json()["duplicate"] is (name in seen)
        seen.add(name)

    refunded_kind, payment_status, order_status = expected
    payment.refresh_from_db()
    refunded = payment.amount if refunded_kind == "full" else partial
    assert (payment.amount_captured, payment.amount_refunded) == (payment.amount, refunded)
    assert payment.status == payment_status
    placed_order = Order.objects.get(pk=payment.order_id)
    assert placed_order.status == order_status
    assert not placed_order.needs_review, placed_order.review_reason
    # The customer's order was paid (and so its stock sold) before any refund moved it on.
    history = list(placed_order.history.order_by("created_at").values_list("to_status", flat=True))
    assert history[:2] == ["pending_payment", "paid"]
    events_stored = WebhookEvent.objects.all()
    assert events_stored.count() == len(set(order))
    assert all(e.processed_at is not None and not e.error for e in events_stored)


def deliver_all(client, provider, events, capture):
    for event in events:
        with capture(execute=True):
            response = deliver(client, provider, event)
        assert response.status_code == 200, response.content


def test_a_stripe_report_of_our_own_refund_is_not_counted_twice(
    api_client, placed, django_capture_on_commit_callbacks
):
    from apps.orders.services.refunds import refund_create

    payment = placed("USD")  # the offline provider: Stripe's flow, refunds succeed at once
    events = stripe_events(payment, Decimal("20.00"))
    deliver_all(api_client, "stripe", [events["succeeded"]], django_capture_on_commit_callbacks)
    refund_create(payment=payment, amount=Decimal("20.00"), reason="customer asked")
    # Stripe reports the charge's running total: our 20.00, then 30.00 after a 10.00 refund
    # made from its dashboard.
    dashboard = json.loads(json.dumps(events["partial_refund"]))
    dashboard["id"] = "evt_refund_dashboard"
    dashboard["data"]["object"]["amount_refunded"] = 3000
    deliver_all(
        api_client, "stripe", [events["partial_refund"], dashboard, events["partial_refund"]],
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (Decimal("30.00"), "partially_refunded")
    assert Order.objects.get(pk=payment.order_id).status == "paid"


def test_a_paystack_report_of_our_own_refund_is_not_counted_twice(
    api_client, placed, paystack_fake, settings, django_capture_on_commit_callbacks
):
    from apps.orders.services.refunds import refund_create

    settings.PAYSTACK_SECRET_KEY = paystack_fake.secret_key
    payment = placed("NGN")
    Payment.objects.filter(pk=payment.pk).update(provider="paystack", reference=payment.order.number)
    payment.refresh_from_db()
    paystack_fake.add_transaction(
        reference=payment.reference, amount=to_minor_units(payment.amount, "NGN"), status="pending"
    )
    paystack_fake.mark_success(payment.reference)
    deliver_all(
        api_client, "paystack", [paystack_fake.webhook_event(payment.reference)],
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    refund = refund_create(payment=payment, amount=Decimal("2000.00"), reason="customer asked")
    ours = paystack_fake.webhook_event(int(refund.reference), "refund.processed")
    dashboard = paystack_events(payment, Decimal("1000.00"))["partial_refund"]  # refund id 7001
    deliver_all(api_client, "paystack", [ours, dashboard], django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (Decimal("3000.00"), "partially_refunded")
    assert payment.provider_refunds == {"7001": "1000.00"}
    assert WebhookEvent.objects.get(event_id=f"refund.processed:{refund.reference}").processed_at


def test_reconciliation_applies_a_missed_success_with_the_refund_held_before_it(
    api_client, placed, monkeypatch, django_capture_on_commit_callbacks
):
    """The success event never came, the full refund did (held): the provider's list says the
    payment was refunded, so reconciliation applies the success, and with it the refund."""
    from apps.orders.payments import ProviderRecord
    from apps.orders.payments.offline import OfflineProvider
    from apps.orders.services.reconciliation import reconciliation_run

    payment = placed("USD")
    events = stripe_events(payment, Decimal("20.00"))
    deliver_all(api_client, "stripe", [events["full_refund"]], django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("pending", Decimal("0"))  # held

    class Listed(OfflineProvider):
        def list_payments(self, *, since):
            yield ProviderRecord(
                reference=payment.reference, amount=payment.amount, currency="USD", status="refunded"
            )

    monkeypatch.setattr("apps.orders.services.reconciliation.provider_named", lambda name: Listed())
    with django_capture_on_commit_callbacks(execute=True):
        run = reconciliation_run(provider_name="offline", days=3)
    assert run.applied_count == 1
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.amount_refunded) == (payment.amount, payment.amount)
    assert payment.status == "refunded"
    assert Order.objects.get(pk=payment.order_id).status == "refunded"
    assert reconciliation_run(provider_name="offline", days=3).issue_count == 0  # agrees now
