"""Concurrency on PostgreSQL with real concurrent transactions: no overselling at checkout,
one order per idempotency key, one effect per webhook event, refunds within what was paid."""

import uuid

import pytest
from rest_framework.test import APIClient

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.selectors import ledger_differences
from apps.orders.models import Order, Payment, Refund, WebhookEvent
from apps.orders.services.payment_events import payment_succeeded
from apps.orders.services.refunds import refund_create
from tests.helpers import together

from .factories import checkout, new_cart, sellable, stripe_delivery, succeeded_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_buyers_of_the_last_five_units_make_exactly_five_orders():
    sellable("LAST-5", on_hand=5)
    carts = [new_cart(APIClient(), items={"LAST-5": 1}) for _ in range(20)]
    statuses = together(20, lambda i: checkout(APIClient(), carts[i]).status_code)
    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert Order.objects.count() == Payment.objects.count() == 5
    level = StockLevel.objects.get(variant__sku="LAST-5")
    assert (level.on_hand, level.reserved) == (5, 5)
    assert Reservation.objects.filter(state="active").count() == 5
    assert ledger_differences() == []


def test_multi_line_checkouts_in_any_order_never_deadlock_or_oversell():
    for sku in ("A-1", "B-1", "C-1"):
        sellable(sku, on_hand=6)
    orders = [
        {"A-1": 1, "B-1": 1, "C-1": 1},
        {"C-1": 2, "A-1": 1},
        {"B-1": 2, "C-1": 1, "A-1": 1},
        {"C-1": 1, "B-1": 1},
    ] * 3
    carts = [new_cart(APIClient(), items=items) for items in orders]
    statuses = together(len(carts), lambda i: checkout(APIClient(), carts[i]).status_code)
    assert set(statuses) <= {201, 409} and statuses.count(201) >= 3
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand == 6
    assert ledger_differences() == []


def test_a_duplicate_checkout_sent_concurrently_makes_one_order():
    sellable("DUP-1", on_hand=5)
    cart = new_cart(APIClient(), items={"DUP-1": 1})
    key = str(uuid.uuid4())
    responses = together(6, lambda i: checkout(APIClient(), cart, key=key))
    assert {r.status_code for r in responses} == {201}
    assert Order.objects.count() == Payment.objects.count() == 1
    assert len({r.content for r in responses}) == 1, "\n".join(
        sorted({r.content.decode()[100:400] for r in responses})
    )
    assert StockLevel.objects.get(variant__sku="DUP-1").reserved == 1


def test_the_same_webhook_delivered_concurrently_takes_effect_once():
    sellable("WHC-1", on_hand=5)
    cart = new_cart(APIClient(), items={"WHC-1": 2})
    number = checkout(APIClient(), cart).json()["order"]["number"]
    event = succeeded_event(Payment.objects.get(order__number=number))
    responses = together(8, lambda i: stripe_delivery(APIClient(), event))
    assert {r.status_code for r in responses} == {200}
    assert sorted(r.json()["duplicate"] for r in responses) == [False] + [True] * 7
    assert WebhookEvent.objects.count() == 1
    assert Order.objects.get(number=number).status == "paid"
    level = StockLevel.objects.get(variant__sku="WHC-1")
    assert (level.on_hand, level.reserved) == (3, 0)
    assert ledger_differences() == []


def test_refunds_racing_for_the_remaining_amount_one_succeeds():
    sellable("REF-1", usd="50.00", on_hand=5)
    cart = new_cart(APIClient(), items={"REF-1": 1})
    number = checkout(APIClient(), cart).json()["order"]["number"]
    payment = Payment.objects.get(order__number=number)
    payment_succeeded(
        providers=("offline",),
        reference=payment.reference,
        amount=payment.amount,
        currency="USD",
        source="test",
    )
    refund_create(payment=payment, amount=payment.amount - 30, reason="partial first")
    payment.refresh_from_db()
    remaining = payment.amount_captured - payment.amount_refunded
    assert remaining == 30

    def refund_rest(i):
        try:
            refund_create(payment=payment, amount=remaining, reason=f"race {i}")
            return "ok"
        except Exception as exc:  # noqa: BLE001
            return getattr(exc, "code", type(exc).__name__)

    outcomes = together(4, refund_rest)
    assert outcomes.count("ok") == 1
    # The losers see either the amount already taken or the payment refunded in full.
    assert set(outcomes) - {"ok"} <= {"refund_exceeds_captured", "not_refundable"}
    assert Refund.objects.count() == 2
    assert Payment.objects.get(pk=payment.pk).amount_refunded == payment.amount_captured


def test_checkouts_and_stock_adjustments_racing_for_the_same_units_never_oversell(make_user):
    """Ten buyers (API checkouts of 1 unit) and ten write-offs (API adjustments of -1) race for
    10 units: every success takes one unit, so exactly 10 succeed between them, the rest get 409,
    and what remains reserved is exactly what is left on hand."""
    sellable("RACE-1", on_hand=10)
    carts = [new_cart(APIClient(), items={"RACE-1": 1}) for _ in range(10)]
    logistics = make_user("logistics")

    def work(i):
        if i % 2 == 0:
            return "checkout", checkout(APIClient(), carts[i // 2]).status_code
        client = APIClient()
        client.force_authenticate(logistics)
        response = client.post(
            "/api/v1/inventory/adjustments",
            {"sku": "RACE-1", "warehouse": "main", "quantity_delta": -1, "reason": "damaged"},
            format="json",
        )
        return "adjust", response.status_code

    outcomes = together(20, work)
    assert {status for _, status in outcomes} <= {201, 409}
    sold = sum(1 for kind, status in outcomes if kind == "checkout" and status == 201)
    written_off = sum(1 for kind, status in outcomes if kind == "adjust" and status == 201)
    assert sold + written_off == 10
    level = StockLevel.objects.get(variant__sku="RACE-1")
    assert (level.on_hand, level.reserved) == (10 - written_off, sold)
    assert Order.objects.count() == Reservation.objects.filter(state="active").count() == sold
    assert ledger_differences() == []


def test_concurrent_adds_of_one_sku_to_one_cart_are_all_counted():
    sellable("ADD-8", on_hand=100)
    cart = new_cart(APIClient())

    def add(i):
        return APIClient().post(
            f"/api/v1/carts/{cart['id']}/items", {"sku": "ADD-8", "quantity": 2},
            format="json", HTTP_X_CART_TOKEN=cart["token"],
        ).status_code  # fmt: skip

    assert together(8, add) == [201] * 8
    from apps.orders.models import CartItem

    assert CartItem.objects.get(cart_id=cart["id"]).quantity == 16
