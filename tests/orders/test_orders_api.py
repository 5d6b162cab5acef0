"""Orders through the API: customers see their own, staff see all; cancel; expiry; refunds."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.orders.models import Order, Payment, Refund
from apps.orders.services.payment_events import payment_succeeded
from apps.orders.tasks import expire_unpaid_orders
from tests.helpers import assert_error

from .factories import checkout, new_cart, sellable

pytestmark = pytest.mark.django_db


def place(client, sku="ORD-1", quantity=1, **stock):
    if (
        not Order.objects.filter(lines__sku=sku).exists()
        and not StockLevel.objects.filter(variant__sku=sku).exists()
    ):
        sellable(sku, **stock)
    cart = new_cart(client, items={sku: quantity})
    response = checkout(client, cart)
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["order"]["number"])


def pay(order):
    payment = order.payments.get()
    payment_succeeded(
        providers=("offline", "stripe"),
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        source="test",
    )
    order.refresh_from_db()
    return order


def test_customers_see_only_their_own_orders_and_staff_see_all(auth_client, api_client):
    alice, bob = auth_client("customer"), auth_client("customer")
    mine = place(alice, on_hand=20)
    theirs = place(bob)
    assert [o["number"] for o in alice.get("/api/v1/orders").json()["results"]] == [mine.number]
    assert alice.get(f"/api/v1/orders/{mine.number}").status_code == 200
    assert_error(alice.get(f"/api/v1/orders/{theirs.number}"), 404)
    assert_error(api_client.get("/api/v1/orders"), 401)
    staff = auth_client("support").get("/api/v1/orders", {"status": "pending_payment", "currency": "usd"})
    assert {o["number"] for o in staff.json()["results"]} == {mine.number, theirs.number}
    assert_error(
        auth_client("support").get("/api/v1/orders", {"status": "lost"}), 400, kind="validation_error"
    )
    detail = alice.get(f"/api/v1/orders/{mine.number}").json()
    assert {"items", "payments", "shipments", "history"} <= set(detail)
    assert detail["items"][0]["sku"] == "ORD-1"


def test_order_list_queries_do_not_grow_with_page_size(auth_client):
    client = auth_client("customer")
    sellable("QC-1", on_hand=500)
    for _ in range(12):
        place(client, sku="QC-1")
    staff = auth_client("admin")
    staff.get("/api/v1/orders")
    counts = set()
    for size in (1, 5, 12):
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get("/api/v1/orders", {"page_size": size}).status_code == 200
        counts.add(len(ctx.captured_queries))
    assert len(counts) == 1, counts


def test_a_customer_cancels_an_unpaid_order_and_its_stock_is_released(auth_client):
    client = auth_client("customer")
    order = place(client, quantity=2, on_hand=5)
    response = client.post(
        f"/api/v1/orders/{order.number}/cancel", {"reason": "changed my mind"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert StockLevel.objects.get(variant__sku="ORD-1").reserved == 0
    assert set(Reservation.objects.values_list("state", flat=True)) == {"released"}
    assert_error(client.post(f"/api/v1/orders/{order.number}/cancel"), 409, code="invalid_transition")


def test_cancelling_a_paid_order_refunds_it_and_restocks(auth_client):
    client = auth_client("customer")
    order = pay(place(client, quantity=2, on_hand=5))
    level = StockLevel.objects.get(variant__sku="ORD-1")
    assert (level.on_hand, level.reserved) == (3, 0)
    assert client.post(f"/api/v1/orders/{order.number}/cancel").status_code == 200
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount_refunded) == ("refunded", payment.amount_captured)
    level.refresh_from_db()
    assert level.on_hand == 5
    assert StockMovement.objects.filter(reason="returned", reference=f"restock:{order.number}").count() == 1


def test_a_customer_cannot_cancel_once_fulfilment_started(auth_client):
    client = auth_client("customer")
    order = pay(place(client))
    Order.objects.filter(pk=order.pk).update(status="fulfilling")
    assert_error(client.post(f"/api/v1/orders/{order.number}/cancel"), 409, code="invalid_transition")
    assert auth_client("admin").post(f"/api/v1/orders/{order.number}/cancel").status_code == 200


def test_expiry_releases_stock_and_cancels_unpaid_orders_once(api_client):
    order = place(api_client, quantity=3, on_hand=3)
    paid = pay(place(api_client, sku="ORD-2", on_hand=3))
    Order.objects.filter(pk__in=[order.pk, paid.pk]).update(reserved_until=timezone.now())
    assert expire_unpaid_orders.delay().get() == 1
    assert expire_unpaid_orders.delay().get() == 0
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.history.last().reason == "payment not received in time"
    assert StockLevel.objects.get(variant__sku="ORD-1").reserved == 0
    assert set(
        Reservation.objects.filter(reference=f"order:{order.number}").values_list("state", flat=True)
    ) == {"expired"}
    assert Order.objects.get(pk=paid.pk).status == "paid"


def test_refunds_partial_then_full_never_more_than_captured(auth_client):
    order = pay(place(auth_client("customer"), on_hand=4))  # 100.00 + 15.00 shipping
    finance = auth_client("finance")
    url = f"/api/v1/orders/{order.number}/refunds"
    first = finance.post(url, {"amount": "40.00", "reason": "scratched"}, format="json")
    assert first.status_code == 201 and first.json()["status"] == "succeeded"
    assert Order.objects.get(pk=order.pk).status == "paid"
    body = assert_error(
        finance.post(url, {"amount": "75.01"}, format="json"), 409, code="refund_exceeds_captured"
    )
    assert "At most 75.00 USD" in body["errors"][0]["detail"]
    assert finance.post(url, {"amount": "75.00", "restock": True}, format="json").status_code == 201
    order.refresh_from_db()
    assert order.status == "refunded"
    assert Payment.objects.get(order=order).amount_refunded == Decimal("115.00")
    assert Refund.objects.count() == 2
    assert_error(finance.post(url, {"amount": "1.00"}, format="json"), 400, code="not_refundable")
    assert StockLevel.objects.get(variant__sku="ORD-1").on_hand == 4


@pytest.mark.parametrize("role", ["customer", "sales", "support", "logistics", "content"])
def test_only_finance_and_admin_refund(auth_client, role):
    order = pay(place(auth_client("customer")))
    assert_error(
        auth_client(role).post(f"/api/v1/orders/{order.number}/refunds", {"amount": "1.00"}, format="json"),
        403 if role != "customer" else 403,
    )


def test_refund_input_errors(auth_client):
    order = pay(place(auth_client("customer")))
    finance = auth_client("finance")
    url = f"/api/v1/orders/{order.number}/refunds"
    assert_error(
        finance.post(url, {"amount": "-1"}, format="json"), 400, kind="validation_error", attr="amount"
    )
    assert_error(
        finance.post(url, {"amount": "abc"}, format="json"), 400, kind="validation_error", attr="amount"
    )
    assert_error(finance.post("/api/v1/orders/FD-0000-000000/refunds", {"amount": "1"}, format="json"), 404)


def test_payments_list_for_finance(auth_client):
    pay(place(auth_client("customer")))
    body = (
        auth_client("finance").get("/api/v1/payments", {"status": "succeeded", "provider": "offline"}).json()
    )
    assert body["count"] == 1 and body["results"][0]["amount_captured"] == "115.00"
    assert_error(auth_client("sales").get("/api/v1/payments"), 403)
    assert_error(
        auth_client("finance").get("/api/v1/payments", {"provider": "paypal"}), 400, kind="validation_error"
    )


def test_a_payment_arriving_after_expiry_is_refunded_and_the_order_stays_cancelled(api_client):
    order = place(api_client, quantity=2, on_hand=2)
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now())
    assert expire_unpaid_orders.delay().get() == 1
    payment = Payment.objects.get(order=order)
    outcome = payment_succeeded(
        providers=(payment.provider,), reference=payment.reference, amount=payment.amount,
        currency=payment.currency, source="webhook",
    )  # fmt: skip
    assert outcome == "order was cancelled: refunded"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "cancelled" and order.needs_review
    assert (payment.status, payment.amount_refunded) == ("refunded", payment.amount)
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == payment.amount and "after the order was cancelled" in refund.reason
    level = StockLevel.objects.get(variant__sku="ORD-1")
    assert (level.on_hand, level.reserved) == (2, 0)  # released at expiry, nothing sold or restocked
    again = payment_succeeded(
        providers=(payment.provider,), reference=payment.reference, amount=payment.amount,
        currency=payment.currency, source="webhook",
    )  # fmt: skip
    assert again == "already applied" and Refund.objects.count() == 1
