"""Order-side reads: priced carts, order lists and pages."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from apps.catalog.api import price_expression
from apps.core.roles import STAFF_ROLES, has_role
from apps.inventory.api import available_expression

from .models import Cart, Order, Payment
from .pricing import money_round, totals_for


def _money(amount) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def cart_lines(cart: Cart) -> list[dict]:
    """The cart's items priced now, from the catalog, in the cart's currency, with the stock
    available: one query."""
    items = (
        cart.items.select_related("variant__product")
        .annotate(
            unit_price=price_expression(cart.currency, "variant_id"),
            available=available_expression("variant_id"),
        )
        .order_by("created_at")
    )
    lines = []
    for item in items:
        price = item.unit_price
        sellable = price is not None and item.variant.is_active and item.variant.product.status == "active"
        lines.append(
            {
                "item": item,
                "unit_price": price if sellable else None,
                "line_total": money_round(price * item.quantity, cart.currency) if sellable else None,
                "available": item.available,
                "sellable": sellable,
            }
        )
    return lines


def cart_detail(cart: Cart) -> dict:
    lines = cart_lines(cart)
    subtotal = sum((line["line_total"] for line in lines if line["line_total"] is not None), Decimal("0"))
    totals = totals_for(subtotal=subtotal, currency=cart.currency)
    return {
        "id": str(cart.pk),
        "token": cart.token,
        "currency": cart.currency,
        "status": cart.status,
        "owner": str(cart.owner_id) if cart.owner_id else None,
        "expires_at": cart.expires_at,
        "items": [
            {
                "id": str(line["item"].pk),
                "sku": line["item"].variant.sku,
                "name": f"{line['item'].variant.product.name} — {line['item'].variant.name}",
                "product_slug": line["item"].variant.product.slug,
                "quantity": line["item"].quantity,
                "unit_price": _money(line["unit_price"]),
                "line_total": _money(line["line_total"]),
                "available": line["available"],
                "purchasable": line["sellable"] and line["item"].quantity <= line["available"],
            }
            for line in lines
        ],
        "item_count": sum(line["item"].quantity for line in lines),
        "subtotal": _money(totals.subtotal),
        "shipping": _money(totals.shipping),
        "tax": _money(totals.tax),
        "total": _money(totals.total),
    }


def order_list(*, user) -> QuerySet[Order]:
    qs = Order.objects.select_related("customer").order_by("-created_at")
    if has_role(user, *STAFF_ROLES):
        return qs
    return qs.filter(customer=user)


def order_for_caller(*, user, number: str) -> Order | None:
    return (
        order_list(user=user)
        .prefetch_related(
            "lines",
            "history__actor",
            Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")),
        )
        .filter(number=number)
        .first()
    )
