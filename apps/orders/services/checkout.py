"""Placing orders: one transaction that creates the order and its lines, reserves stock for
every line and creates the payment with the provider. Checkout places an order from a cart
(re-priced from the catalog); other apps (a quote's acceptance) place one from explicit lines
and prices through ``order_place`` (``apps.orders.api``).

Provider errors roll the whole placement back (502 ``payment_provider_error``): no order, no
reservation, nothing to clean up, and the cart stays open for another try. The provider call
happens last, after stock is reserved, so a placement that cannot get stock never reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.catalog.api import Price, Variant
from apps.core.errors import ApplicationError, Conflict
from apps.inventory import api as inventory

from ..models import Cart, Order, OrderLine, OrderStatusHistory, Payment
from ..payments import Charge, provider_for
from ..pricing import Totals, money_round, totals_for
from . import emails
from .numbers import order_number_for, order_sequence_next

if TYPE_CHECKING:
    from apps.accounts.api import User

# Order amounts are Decimal(12, 2): the largest total an order can store.
MAX_ORDER_TOTAL = Decimal("9999999999.99")


@dataclass(frozen=True)
class OrderLineRequest:
    """One line to place: ``unit_price`` is in the order's currency (a catalog price at checkout,
    a quoted price for a quote); ``name`` defaults to "product — variant"."""

    variant_id: UUID
    quantity: int
    unit_price: Decimal
    name: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment: Payment


PlacedOrder = CheckoutResult


def _line_name(variant: Variant) -> str:
    return f"{variant.product.name} — {variant.name}"


@transaction.atomic
def order_place(**kwargs: Any) -> CheckoutResult:
    """``place_in_transaction`` in a transaction of its own (a savepoint inside the caller's):
    a failure leaves nothing made, and the caller's transaction usable."""
    return place_in_transaction(**kwargs)


def place_in_transaction(
    *,
    email: str,
    currency: str,
    lines: list[OrderLineRequest],
    shipping_address: dict | None,
    billing_address: dict | None = None,
    customer: User | None = None,
    reason: str = "checkout",
    idempotency_key: str | None = None,
    cart: Cart | None = None,
    shipping: Decimal | None = None,
    tax: Decimal | None = None,
    reserved_until: datetime | None = None,
    variants: dict | None = None,
) -> CheckoutResult:
    """Inside the caller's transaction, which must roll back as a whole if this raises (no
    savepoint of its own: checkout saves two statements per order).

    Create a ``pending_payment`` order with ``lines`` at their given prices, reserve the stock
    of every line (``InsufficientStock`` → 409, nothing made) and create its payment with the
    currency's provider (the provider's idempotency key derives from the order, or from
    ``idempotency_key`` when the caller has one of its own).

    ``shipping`` and ``tax`` default to the configured rules; a caller that agreed them already
    (a quote) passes its own, so the order's total is exactly what was agreed. The stock is held
    until ``reserved_until`` (default: ``ORDER_RESERVATION_MINUTES`` from now), after which the
    unpaid order is cancelled by the expiry job.

    The provider is settled first: a currency that cannot be paid here
    (503 ``payments_unavailable``) makes nothing, reserves nothing and takes no order number."""
    currency = currency.upper()
    provider = provider_for(currency)
    if not lines:
        raise ApplicationError("An order needs at least one line.", code="empty_order", attr="lines")
    for index, line in enumerate(lines):
        if line.quantity < 1:
            raise ApplicationError(
                "Quantity must be at least 1.", code="min_value", attr=f"lines.{index}.quantity"
            )
        if line.unit_price < 0:
            raise ApplicationError(
                "A unit price cannot be negative.", code="min_value", attr=f"lines.{index}.unit_price"
            )
    wanted = [line.variant_id for line in lines]
    if variants is None or not set(wanted) <= set(variants):  # the caller may have read them
        variants = Variant.objects.select_related("product").in_bulk(wanted)
    missing = [i for i, line in enumerate(lines) if line.variant_id not in variants]
    if missing:
        raise ApplicationError("Unknown variant.", code="not_found", attr=f"lines.{missing[0]}.variant_id")
    priced = [
        (line, variants[line.variant_id], money_round(line.unit_price * line.quantity, currency))
        for line in lines
    ]
    subtotal = sum((line_total for _, _, line_total in priced), Decimal("0"))
    totals = totals_for(subtotal=subtotal, currency=currency)
    if shipping is not None or tax is not None:
        agreed_shipping = money_round(totals.shipping if shipping is None else shipping, currency)
        agreed_tax = money_round(totals.tax if tax is None else tax, currency)
        if agreed_shipping < 0 or agreed_tax < 0:
            raise ApplicationError("Shipping and tax cannot be negative.", code="min_value", attr="lines")
        totals = Totals(
            subtotal=totals.subtotal,
            shipping=agreed_shipping,
            tax=agreed_tax,
            total=totals.subtotal + agreed_shipping + agreed_tax,
        )
    if totals.total > MAX_ORDER_TOTAL:
        raise ApplicationError(
            f"The order total {totals.total:,.2f} {currency} is more than one order can hold "
            f"({MAX_ORDER_TOTAL:,.2f}); split it into several orders.",
            code="order_total_too_large",
            attr="lines",
        )
    sequence = order_sequence_next()
    shipping_address = shipping_address or {}
    order = Order.objects.create(
        number=order_number_for(sequence=sequence),
        sequence=sequence,
        customer=customer if customer is not None and customer.is_authenticated else None,
        email=email,
        currency=currency,
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        tax=totals.tax,
        total=totals.total,
        shipping_address=shipping_address,
        billing_address=billing_address or shipping_address,
        cart=cart,
        reserved_until=reserved_until
        or timezone.now() + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES),
    )
    order_lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=variant,
                sku=variant.sku,
                name=line.name or _line_name(variant),
                unit_price=money_round(line.unit_price, currency),
                quantity=line.quantity,
                line_total=line_total,
            )
            for line, variant, line_total in priced
        ]
    )
    inventory.stock_reserve_in_transaction(
        lines=[
            inventory.ReservationRequest(
                variant_id=line.variant_id, sku=line.sku, quantity=line.quantity, line_reference=str(line.pk)
            )
            for line in order_lines
        ],
        reference=order.reservation_reference,
        expires_at=order.reserved_until,
    )
    OrderStatusHistory.objects.create(
        order=order, from_status="", to_status=order.status, actor=order.customer, reason=reason
    )
    created = provider.create_payment(
        charge=Charge.of_order(order), idempotency_key=idempotency_key or f"order-{order.number}-payment"
    )
    payment = Payment.objects.create(
        order=order,
        provider=provider.name,
        reference=created.reference,
        client_secret=created.client_secret,
        amount=order.total,
        currency=order.currency,
        status=created.status,
    )
    emails.order_confirmation_queue(order=order, lines=order_lines)
    return CheckoutResult(order=order, payment=payment)


@transaction.atomic
def checkout_place(**kwargs: Any) -> CheckoutResult:
    """``checkout_in_transaction`` in a transaction of its own (a savepoint inside the caller's)."""
    return checkout_in_transaction(**kwargs)


def checkout_in_transaction(
    *,
    cart: Cart,
    email: str,
    shipping_address: dict,
    billing_address: dict | None,
    customer: User | None = None,
    cart_locked: bool = False,
) -> CheckoutResult:
    """Place the cart's order at the catalog's current prices in the cart's currency, inside
    the caller's transaction (which rolls back as a whole if this raises: the checkout view's,
    with the idempotency record). ``cart_locked``: the caller read the cart FOR UPDATE in this
    transaction already."""
    if not cart_locked:
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if cart.status != Cart.Status.OPEN:
        raise Conflict("This cart has already been checked out.", code="cart_checked_out")
    # The items with their variant, product and price in the cart's currency: one query.
    price = Price.objects.filter(variant_id=OuterRef("variant_id"), currency=cart.currency).values("amount")
    items = list(
        cart.items.select_related("variant__product")
        .annotate(price=Subquery(price[:1]))
        .order_by("created_at")
    )
    if not items:
        raise ApplicationError("The cart is empty.", code="empty_cart", attr="cart_id")
    prices = {item.variant_id: item.price for item in items if item.price is not None}
    for index, item in enumerate(items):
        if (
            item.variant_id not in prices
            or not item.variant.is_active
            or item.variant.product.status != "active"
        ):
            raise ApplicationError(
                f"{item.variant.sku} can no longer be bought in {cart.currency}; remove it from the cart.",
                code="not_for_sale",
                attr=f"items.{index}",
            )
    placed = place_in_transaction(
        email=email,
        currency=cart.currency,
        lines=[
            OrderLineRequest(
                variant_id=item.variant_id,
                quantity=item.quantity,
                unit_price=prices[item.variant_id],
                name=_line_name(item.variant),
            )
            for item in items
        ],
        shipping_address=shipping_address,
        billing_address=billing_address,
        customer=customer,
        reason="checkout",
        cart=cart,
        variants={item.variant_id: item.variant for item in items},
    )
    cart.status = Cart.Status.CHECKED_OUT
    cart.save(update_fields=["status", "updated_at"])
    return placed
