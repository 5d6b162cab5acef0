"""Checkout: one transaction that re-prices the cart, creates the order and its lines,
reserves stock for every line and creates the payment with the provider.

Provider errors roll the whole checkout back (502 ``payment_provider_error``): no order, no
reservation, nothing to clean up, and the cart stays open for another try. The provider call
happens last, after stock is reserved, so a checkout that cannot get stock never reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Price
from apps.core.errors import ApplicationError, Conflict
from apps.inventory import api as inventory

from ..models import Cart, Order, OrderLine, OrderStatusHistory, Payment
from ..payments import provider_for
from ..pricing import money_round, totals_for
from .numbers import order_number_for, order_sequence_next


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment: Payment


@transaction.atomic
def checkout_place(
    *, cart: Cart, email: str, shipping_address: dict, billing_address: dict | None, customer=None
) -> CheckoutResult:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if cart.status != Cart.Status.OPEN:
        raise Conflict("This cart has already been checked out.", code="cart_checked_out")
    items = list(cart.items.select_related("variant__product").order_by("created_at"))
    if not items:
        raise ApplicationError("The cart is empty.", code="empty_cart", attr="cart_id")
    prices = dict(
        Price.objects.filter(
            variant_id__in=[i.variant_id for i in items], currency=cart.currency
        ).values_list("variant_id", "amount")
    )
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
    subtotal = sum(
        (money_round(prices[i.variant_id] * i.quantity, cart.currency) for i in items), Decimal("0")
    )
    totals = totals_for(subtotal=subtotal, currency=cart.currency)
    sequence = order_sequence_next()
    order = Order.objects.create(
        number=order_number_for(sequence),
        sequence=sequence,
        customer=customer if customer is not None and customer.is_authenticated else None,
        email=email,
        currency=cart.currency,
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        tax=totals.tax,
        total=totals.total,
        shipping_address=shipping_address,
        billing_address=billing_address or shipping_address,
        cart=cart,
        reserved_until=timezone.now() + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES),
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=item.variant,
                sku=item.variant.sku,
                name=f"{item.variant.product.name} — {item.variant.name}",
                unit_price=prices[item.variant_id],
                quantity=item.quantity,
                line_total=money_round(prices[item.variant_id] * item.quantity, cart.currency),
            )
            for item in items
        ]
    )
    inventory.stock_reserve(
        lines=[
            inventory.ReservationRequest(
                variant_id=line.variant_id, sku=line.sku, quantity=line.quantity, line_reference=str(line.pk)
            )
            for line in lines
        ],
        reference=order.reservation_reference,
        expires_at=order.reserved_until,
    )
    OrderStatusHistory.objects.create(
        order=order, from_status="", to_status=order.status, actor=order.customer, reason="checkout"
    )
    provider = provider_for(cart.currency)
    created = provider.create_payment(order=order, idempotency_key=f"order-{order.number}-payment")
    payment = Payment.objects.create(
        order=order,
        provider=provider.name,
        reference=created.reference,
        client_secret=created.client_secret,
        amount=order.total,
        currency=order.currency,
        status=created.status,
    )
    cart.status = Cart.Status.CHECKED_OUT
    cart.save(update_fields=["status", "updated_at"])
    return CheckoutResult(order=order, payment=payment)
