"""Order-side reads: priced carts, order lists and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.catalog.api import Product, Variant, price_sql
from apps.core.roles import STAFF_ROLES, has_role
from apps.inventory.api import available_sql

from .models import Cart, CartItem, Order, Payment
from .pricing import money_round, totals_for

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser


def _money(amount) -> str | None:
    return None if amount is None else f"{amount:.2f}"


# The cart's hot paths (read a cart, add to it) in hand-written SQL that runs unchanged on
# PostgreSQL and SQLite: building the same reads with the ORM's annotated subqueries cost several
# times more CPU than running them (``make bench``: add to cart). Prices and stock come from the
# catalog's and the inventory's own SQL expressions, so their rules stay theirs.
_CART_FOR_ADD_SQL = """
SELECT c.id, c.token, c.owner_id, c.currency, c.status, c.expires_at,
       v.id, v.sku, v.is_active, pr.status, {price_in_cart_currency} AS unit_price, {available} AS available,
       (SELECT ci.quantity FROM {cart_item} ci WHERE ci.cart_id = c.id AND ci.variant_id = v.id) AS in_cart
FROM {cart} c
LEFT JOIN {variant} v ON {match}
LEFT JOIN {product} pr ON pr.id = v.product_id
WHERE c.id = %s
"""

_CART_LINES_SQL = """
SELECT ci.id, ci.quantity, v.sku, v.name, v.is_active, pr.name, pr.slug, pr.status,
       {price} AS unit_price, {available} AS available
FROM {cart_item} ci
JOIN {variant} v ON v.id = ci.variant_id
JOIN {product} pr ON pr.id = v.product_id
WHERE ci.cart_id = %s
ORDER BY ci.created_at, ci.id
"""


def _tables() -> dict:
    return {
        "cart": Cart._meta.db_table,
        "cart_item": CartItem._meta.db_table,
        "variant": Variant._meta.db_table,
        "product": Product._meta.db_table,
        "price": price_sql(variant_column="v.id"),
        "price_in_cart_currency": price_sql(variant_column="v.id", currency_column="c.currency"),
        "available": available_sql(variant_column="v.id"),
    }


def _db_uuid(value):
    return CartItem._meta.get_field("cart").get_db_prep_value(value, connection)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class CartVariant:
    """A variant as adding it to a cart sees it."""

    id: UUID
    sku: str
    is_active: bool
    product_status: str
    unit_price: Decimal | None
    available: int
    in_cart: int


def _datetime(value) -> datetime:
    """A timestamp read with hand-written SQL: a datetime on PostgreSQL, text on SQLite (UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def cart_for_add(*, cart_id: UUID | str, sku: str) -> tuple[Cart, CartVariant | None] | None:
    """The cart and the variant with ``sku`` (the exact SKU through its unique index; another
    case only if that finds nothing) with its price in the cart's currency, the units available
    and how many the cart already holds: one query, and no lock (adding is one atomic upsert).
    None when there is no such cart."""
    for match in ("v.sku = %s", "UPPER(v.sku) = UPPER(%s)"):
        with connection.cursor() as cursor:
            cursor.execute(_CART_FOR_ADD_SQL.format(match=match, **_tables()), [sku, _db_uuid(cart_id)])
            row = cursor.fetchone()
        if row is None:
            return None
        cart = Cart(
            id=UUID(str(row[0])),
            token=row[1],
            owner_id=UUID(str(row[2])) if row[2] else None,
            currency=row[3],
            status=row[4],
            expires_at=_datetime(row[5]),
        )
        cart._state.adding, cart._state.db = False, connection.alias
        if row[6] is not None:
            return cart, CartVariant(
                id=UUID(str(row[6])),
                sku=row[7],
                is_active=bool(row[8]),
                product_status=row[9],
                unit_price=_decimal(row[10]),
                available=max(int(row[11] or 0), 0),
                in_cart=int(row[12] or 0),
            )
    return cart, None


def cart_lines(*, cart: Cart) -> list[dict]:
    """The cart's items priced now, from the catalog, in the cart's currency, with the stock
    available: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_CART_LINES_SQL.format(**_tables()), [cart.currency, _db_uuid(cart.pk)])
        rows = cursor.fetchall()
    lines = []
    for item_id, quantity, sku, variant_name, active, product_name, slug, status, price, available in rows:
        price = _decimal(price)
        sellable = price is not None and bool(active) and status == "active"
        lines.append(
            {
                "id": str(UUID(str(item_id))),
                "sku": sku,
                "name": f"{product_name} — {variant_name}",
                "product_slug": slug,
                "quantity": quantity,
                "unit_price": money_round(price, cart.currency) if sellable and price is not None else None,
                "line_total": (
                    money_round(price * quantity, cart.currency) if sellable and price is not None else None
                ),
                "available": max(int(available or 0), 0),
                "sellable": sellable,
            }
        )
    return lines


def cart_detail(*, cart: Cart) -> dict:
    lines = cart_lines(cart=cart)
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
                "id": line["id"],
                "sku": line["sku"],
                "name": line["name"],
                "product_slug": line["product_slug"],
                "quantity": line["quantity"],
                "unit_price": _money(line["unit_price"]),
                "line_total": _money(line["line_total"]),
                "available": line["available"],
                "purchasable": line["sellable"] and line["quantity"] <= line["available"],
            }
            for line in lines
        ],
        "item_count": sum(line["quantity"] for line in lines),
        "subtotal": _money(totals.subtotal),
        "shipping": _money(totals.shipping),
        "tax": _money(totals.tax),
        "total": _money(totals.total),
    }


def order_list(*, user: AnyUser) -> QuerySet[Order]:
    qs = Order.objects.select_related("customer").order_by("-created_at")
    if has_role(user, *STAFF_ROLES):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(customer=user)


def order_for_caller(*, user: AnyUser, number: str) -> Order | None:
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
