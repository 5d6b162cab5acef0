"""Carts: anonymous (addressed by their token) or owned by a customer; prices always read
from the catalog in the cart's currency when the cart is read."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.inventory.api import InsufficientStock, available_expression

from ..models import Cart, CartItem
from ..selectors import cart_for_add

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser, User


def cart_create(*, currency: str, owner: AnyUser | None = None) -> Cart:
    return Cart.objects.create(
        currency=currency.upper(),
        owner=owner if owner is not None and owner.is_authenticated else None,
        expires_at=timezone.now() + timedelta(days=settings.CART_TTL_DAYS),
    )


def _check_access(*, cart: Cart | None, user, token: str | None) -> Cart:
    """The cart if the caller may use it: its owner, or (for an anonymous cart) whoever holds
    its token (``X-Cart-Token``). Anyone else gets 404, as if it did not exist."""
    if cart is None:
        raise NotFound("No such cart.")
    if cart.owner_id is not None:
        if not (user and user.is_authenticated and user.pk == cart.owner_id):
            raise NotFound("No such cart.")
    elif not token or not secrets.compare_digest(token, cart.token):
        raise NotFound("No such cart.")
    if cart.expires_at <= timezone.now():
        raise NotFound("This cart has expired.")
    return cart


def cart_for_caller(
    *, cart_id: uuid.UUID | str, user: AnyUser | None, token: str | None, for_update: bool = False
) -> Cart:
    qs = Cart.objects.select_for_update() if for_update else Cart.objects.all()
    return _check_access(cart=qs.filter(pk=cart_id).first(), user=user, token=token)


def _checked_out() -> Conflict:
    return Conflict("This cart has been checked out; start a new cart.", code="cart_checked_out")


def _open(cart: Cart) -> None:
    if cart.status != Cart.Status.OPEN:
        raise _checked_out()


def _check_stock(*, sku: str, quantity: int, available: int, attr: str) -> None:
    if quantity > available:
        raise InsufficientStock(sku=sku, requested=quantity, available=available, attr=attr)


def cart_item_add(
    *, cart_id: uuid.UUID | str, user: AnyUser | None, token: str | None, sku: str, quantity: int
) -> Cart:
    """Add ``quantity`` of ``sku`` (added to what the cart already holds) to the caller's cart.
    Unknown SKU → 400; no price in the cart's currency → 400; more than available → 409
    insufficient_stock; a cart checked out meanwhile → 409.

    Two statements and no lock: one read (cart, variant, price, stock, what the cart holds) and
    one atomic upsert that adds to the line and only to an open cart. Two adds of the same SKU
    to one cart at the same instant are both counted (the stock check is the cart's advice to
    the buyer; checkout reserves stock under locks and refuses what is not there)."""
    sku = sku.strip()
    found, variant = cart_for_add(cart_id=cart_id, sku=sku) or (None, None)
    cart = _check_access(cart=found, user=user, token=token)
    _open(cart)
    if variant is None:
        raise ApplicationError(f"No product variant has the SKU {sku!r}.", code="unknown_sku", attr="sku")
    if not variant.is_active or variant.product_status != "active":
        raise ApplicationError(f"{variant.sku} is not for sale.", code="not_for_sale", attr="sku")
    if variant.unit_price is None:
        raise ApplicationError(
            f"{variant.sku} has no price in {cart.currency}; it cannot be bought in this currency.",
            code="no_price_in_currency",
            attr="sku",
        )
    _check_stock(
        sku=variant.sku, quantity=quantity + variant.in_cart, available=variant.available, attr="quantity"
    )
    if not _item_add(cart=cart, variant_id=variant.id, quantity=quantity):
        raise _checked_out()  # checked out since it was read
    return cart


_ITEM_ADD_SQL = (
    "INSERT INTO {item} (id, created_at, updated_at, cart_id, variant_id, quantity) "
    "SELECT %s, %s, %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM {cart} WHERE id = %s AND status = %s) "
    "ON CONFLICT (cart_id, variant_id) "
    "DO UPDATE SET quantity = {item}.quantity + excluded.quantity, updated_at = excluded.updated_at"
)


def _item_add(*, cart: Cart, variant_id, quantity: int) -> bool:
    """Add ``quantity`` to the cart's line of this variant (creating it), if the cart is still
    open: one atomic statement on PostgreSQL and SQLite. False when the cart was not open."""
    item = CartItem._meta
    now = timezone.now()
    cart_id = item.get_field("cart").get_db_prep_value(cart.pk, connection)
    params = [
        item.get_field("id").get_db_prep_value(uuid.uuid4(), connection),
        item.get_field("created_at").get_db_prep_value(now, connection),
        item.get_field("updated_at").get_db_prep_value(now, connection),
        cart_id,
        item.get_field("variant").get_db_prep_value(variant_id, connection),
        quantity,
        cart_id,
        Cart.Status.OPEN.value,
    ]
    sql = _ITEM_ADD_SQL.format(item=item.db_table, cart=Cart._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0


@transaction.atomic
def cart_item_update(*, cart: Cart, item_id: uuid.UUID | str, quantity: int) -> CartItem:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    _open(cart)
    item = (
        CartItem.objects.select_related("variant")
        .annotate(available=available_expression(variant_ref="variant_id"))
        .filter(cart=cart, pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("No such item in this cart.")
    _check_stock(sku=item.variant.sku, quantity=quantity, available=item.available, attr="quantity")
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_item_remove(*, cart: Cart, item_id: uuid.UUID | str) -> None:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    _open(cart)
    deleted, _ = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise NotFound("No such item in this cart.")


@transaction.atomic
def cart_claim(*, cart: Cart, user: User) -> Cart:
    """A signed-in customer takes over an anonymous cart (after logging in)."""
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if cart.owner_id not in (None, user.pk):
        raise NotFound("No such cart.")
    _open(cart)
    cart.owner = user
    cart.save(update_fields=["owner", "updated_at"])
    return cart
