"""orders.api.order_place: orders placed from explicit lines and prices (a quote's acceptance)."""

from decimal import Decimal

import pytest

from apps.core.errors import ApplicationError
from apps.inventory.api import InsufficientStock
from apps.inventory.models import Reservation, StockLevel
from apps.orders import api as orders
from apps.orders.models import Order, Payment

from .factories import sellable

pytestmark = pytest.mark.django_db


def test_an_order_is_placed_at_the_given_prices_not_the_catalogs(make_user):
    customer = make_user("customer")
    variant = sellable("QTE-1", usd="100.00", on_hand=10)
    placed = orders.order_place(
        email=customer.email,
        currency="usd",
        lines=[orders.OrderLineRequest(variant_id=variant.pk, quantity=3, unit_price=Decimal("82.50"))],
        shipping_address=None,
        customer=customer,
        reason="quote Q-1 accepted",
        idempotency_key="quote-1-payment",
    )
    order = placed.order
    assert (order.status, order.currency, order.customer) == ("pending_payment", "USD", customer)
    line = order.lines.get()
    assert (line.sku, line.quantity, line.unit_price, line.line_total) == (
        "QTE-1", 3, Decimal("82.50"), Decimal("247.50"),
    )  # fmt: skip
    assert order.subtotal == Decimal("247.50")
    assert StockLevel.objects.get(variant=variant).reserved == 3
    assert placed.payment.amount == order.total and placed.payment.reference.startswith("pi_")
    assert order.history.get().reason == "quote Q-1 accepted"
    summary = orders.order_summary(order=order)
    assert summary["number"] == order.number and summary["total"] == f"{order.total:.2f}"


def test_not_enough_stock_places_nothing(make_user):
    variant = sellable("QTE-2", usd="10.00", on_hand=2)
    with pytest.raises(InsufficientStock):
        orders.order_place(
            email="ada@example.com",
            currency="USD",
            lines=[orders.OrderLineRequest(variant_id=variant.pk, quantity=3, unit_price=Decimal("9.00"))],
            shipping_address=None,
        )
    assert not Order.objects.exists() and not Payment.objects.exists() and not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "price", "attr"),
    [(0, "1.00", "lines.0.quantity"), (1, "-1.00", "lines.0.unit_price")],
)
def test_bad_lines_are_refused_with_their_attr(quantity, price, attr):
    variant = sellable("QTE-3", on_hand=5)
    with pytest.raises(ApplicationError) as caught:
        orders.order_place(
            email="ada@example.com",
            currency="USD",
            lines=[
                orders.OrderLineRequest(variant_id=variant.pk, quantity=quantity, unit_price=Decimal(price))
            ],
            shipping_address=None,
        )
    assert caught.value.attr == attr
    assert not Order.objects.exists()


def test_an_order_needs_lines():
    with pytest.raises(ApplicationError) as caught:
        orders.order_place(email="ada@example.com", currency="USD", lines=[], shipping_address=None)
    assert caught.value.code == "empty_order"


def test_agreed_shipping_tax_and_hold_are_kept(make_user):
    from datetime import timedelta

    from django.utils import timezone

    variant = sellable("QTE-4", usd="10.00", on_hand=5)
    until = timezone.now() + timedelta(days=20)
    order = orders.order_place(
        email="ada@example.com",
        currency="USD",
        lines=[orders.OrderLineRequest(variant_id=variant.pk, quantity=2, unit_price=Decimal("9.00"))],
        shipping_address=None,
        shipping=Decimal("0"),
        tax=Decimal("1.35"),
        reserved_until=until,
    ).order
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        Decimal("18.00"), Decimal("0.00"), Decimal("1.35"), Decimal("19.35"),
    )  # fmt: skip
    assert order.reserved_until == until
    assert Reservation.objects.get(reference=f"order:{order.number}").expires_at == until
