"""The real provider code (the stripe library; Paystack over HTTP) against local fakes of
Stripe and Paystack (tests/fakes): checkout creates the payment there, the signed webhook
pays the order, refunds go through with idempotency keys, outages roll checkout back, and
reconciliation finds each kind of mismatch in the provider's own list."""

import json
import time

import pytest

from apps.catalog.models import Variant
from apps.orders.models import Order, Payment, ReconciliationRun
from apps.orders.services.reconciliation import reconciliation_run
from tests.helpers import assert_error

from .factories import ADDRESS_NG, checkout, new_cart, sellable

pytestmark = pytest.mark.django_db


@pytest.fixture
def providers(settings, stripe_fake, paystack_fake):
    settings.PAYMENTS_OFFLINE = False
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "*": "stripe"}
    return {"stripe": stripe_fake, "paystack": paystack_fake}


def place(api_client, currency="USD", address=None):
    if not Variant.objects.filter(sku="PRV-1").exists():
        sellable("PRV-1", usd="49.99", ngn="75000.00", on_hand=20)
    cart = new_cart(api_client, currency=currency, items={"PRV-1": 2})
    response = checkout(api_client, cart, address=address)
    assert response.status_code == 201, response.content
    return response.json()


def test_stripe_checkout_creates_a_payment_intent_and_its_webhook_pays_the_order(
    api_client, providers, django_capture_on_commit_callbacks
):
    stripe = providers["stripe"]
    body = place(api_client)
    number, reference = body["order"]["number"], body["payment"]["reference"]
    intent = stripe.get_payment_intent(reference)
    assert (intent["amount"], intent["currency"]) == (11498, "usd")  # 2 × 49.99 + 15.00 shipping, in cents
    assert intent["metadata"] == {"order_number": number}
    assert body["payment"]["client_secret"] == intent["client_secret"]
    [create] = stripe.requests_to(r"^/v1/payment_intents$", "POST")
    assert create.headers.get("idempotency-key") == f"order-{number}-payment"

    stripe.succeed_payment_intent(reference)
    payload, signature = stripe.event_payload(stripe.events_of_type("payment_intent.succeeded")[-1])
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/webhooks/stripe",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
    assert response.status_code == 200
    assert Order.objects.get(number=number).status == "paid"
    assert (
        Payment.objects.get(reference=reference).amount_captured
        == Payment.objects.get(reference=reference).amount
    )


def test_a_stripe_outage_rolls_checkout_back_with_502(api_client, providers):
    providers["stripe"].fail_next(500, headers={"Stripe-Should-Retry": "false"})
    api_client.raise_request_exception = False
    sellable("OUT-1", on_hand=5)
    cart = new_cart(api_client, items={"OUT-1": 1})
    assert_error(checkout(api_client, cart), 502, kind="server_error", code="payment_provider_error")
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert checkout(api_client, cart).status_code == 201  # the provider is back: the same cart goes through


def test_stripe_refunds_go_to_the_provider_with_an_idempotency_key(
    api_client, auth_client, providers, django_capture_on_commit_callbacks
):
    stripe = providers["stripe"]
    body = place(api_client)
    reference = body["payment"]["reference"]
    stripe.succeed_payment_intent(reference)
    payload, signature = stripe.event_payload(stripe.events_of_type("payment_intent.succeeded")[-1])
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            "/api/v1/webhooks/stripe",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
    response = auth_client("finance").post(
        f"/api/v1/orders/{body['order']['number']}/refunds",
        {"amount": "20.00", "reason": "damaged box"},
        format="json",
    )
    assert response.status_code == 201, response.content
    [refund] = stripe.refunds_for(reference)
    assert (refund["amount"], refund["id"]) == (2000, response.json()["reference"])
    [call] = stripe.requests_to(r"^/v1/refunds$", "POST")
    assert call.headers.get("idempotency-key", "").startswith("refund-")


def test_paystack_checkout_webhook_and_refund(
    api_client, auth_client, providers, django_capture_on_commit_callbacks
):
    paystack = providers["paystack"]
    body = place(api_client, currency="NGN", address=ADDRESS_NG)
    number = body["order"]["number"]
    assert body["payment"]["provider"] == "paystack" and body["payment"]["reference"] == number
    [init] = paystack.requests_to(r"^/transaction/initialize$", "POST")
    sent = init.json()
    assert (sent["amount"], sent["currency"], sent["reference"]) == (
        int(float(body["order"]["total"]) * 100),
        "NGN",
        number,
    )

    paystack.mark_success(number)
    payload, headers = paystack.signed_webhook(number)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/webhooks/paystack", data=payload, content_type="application/json",
            HTTP_X_PAYSTACK_SIGNATURE=headers["x-paystack-signature"],
        )  # fmt: skip
    assert response.status_code == 200, response.content
    assert Order.objects.get(number=number).status == "paid"
    refund = auth_client("admin").post(
        f"/api/v1/orders/{number}/refunds", {"amount": "1000.00"}, format="json"
    )
    assert refund.status_code == 201, refund.content
    assert paystack.amount_refunded(number) == 100000


def test_a_paystack_outage_rolls_checkout_back(api_client, providers):
    providers["paystack"].fail_next(503, times=None)
    api_client.raise_request_exception = False
    sellable("NGX-1", usd="1.00", ngn="100.00", on_hand=5)
    cart = new_cart(api_client, currency="NGN", items={"NGX-1": 1})
    assert_error(
        checkout(api_client, cart, address=ADDRESS_NG),
        502,
        kind="server_error",
        code="payment_provider_error",
    )
    assert not Order.objects.exists()


def test_reconciliation_against_stripes_list_finds_each_kind(api_client, providers):
    stripe = providers["stripe"]
    refs = [place(api_client)["payment"]["reference"] for _ in range(3)]
    local = {p.reference: p for p in Payment.objects.all()}
    stripe.succeed_payment_intent(refs[0])  # we missed the webhook
    stripe.update_payment_intent(refs[1], amount=100)  # amount differs
    ghost = local[refs[2]]  # and a payment here that the provider never had:
    Payment.objects.create(
        order=ghost.order, provider="stripe", reference="pi_ghost", amount=ghost.amount, currency="USD"
    )
    stripe.add_payment_intent(
        amount=777, currency="usd", status="succeeded", metadata={"order_number": "FD-0"}
    )
    run = reconciliation_run(provider_name="stripe", days=1)
    kinds = sorted(run.issues.values_list("kind", flat=True))
    assert kinds == ["amount_mismatch", "missing_at_provider", "missing_locally", "status_mismatch"]
    assert run.applied_count == 1
    assert Order.objects.get(payments__reference=refs[0]).status == "paid"
    assert local[refs[1]].amount != 1  # ours is unchanged; the issue records both
    assert ReconciliationRun.objects.count() == 1


def test_stale_or_foreign_signed_events_change_nothing(api_client, providers):
    stripe = providers["stripe"]
    body = place(api_client)
    stripe.succeed_payment_intent(body["payment"]["reference"])
    event = stripe.events_of_type("payment_intent.succeeded")[-1]
    payload, signature = stripe.event_payload(event, timestamp=int(time.time()) - 301)
    response = api_client.post(
        "/api/v1/webhooks/stripe",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert_error(response, 400, code="invalid_signature")
    payload, signature = stripe.event_payload(event, secret="whsec_someone_else")
    assert (
        api_client.post(
            "/api/v1/webhooks/stripe",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        ).status_code
        == 400
    )
    assert json.loads(payload)["id"] == event["id"]
    assert Order.objects.get(number=body["order"]["number"]).status == "pending_payment"
