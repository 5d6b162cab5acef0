"""Carts: anonymous (addressed by their token) or owned by a customer; prices always read
from the catalog in the cart's currency when the cart is read."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.catalog.api import variant_by_sku
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.inventory.api import InsufficientStock, available_by_variant

from ..models import Cart, CartItem


def cart_create(*, currency: str, owner=None) -> Cart:
    return Cart.objects.create(
        currency=currency.upper(),
        owner=owner if owner is not None and owner.is_authenticated else None,
        expires_at=timezone.now() + timedelta(days=settings.CART_TTL_DAYS),
    )


def cart_for_caller(*, cart_id, user, token: str | None, for_update: bool = False) -> Cart:
    """The cart if the caller may use it: its owner, or (for an anonymous cart) whoever holds
    its token (``X-Cart-Token``). Anyone else gets 404, as if it did not exist."""
    qs = Cart.objects.select_for_update() if for_update else Cart.objects.all()
    cart = qs.filter(pk=cart_id).first()
    if cart is None:
        raise NotFound("No such cart.")
    if cart.owner_id is not None:
        if not (user and user.is_authenticated and user.pk == cart.owner_id):
            raise NotFound("No such cart.")
    elif not token or token != cart.token:
        raise NotFound("No such cart.")
    if cart.expires_at <= timezone.now():
        raise NotFound("This cart has expired.")
    return cart


def _open(cart: Cart) -> None:
    if cart.status != Cart.Status.OPEN:
        raise Conflict("This cart has been checked out; start a new cart.", code="cart_checked_out")


def _check_stock(*, variant, quantity: int, attr: str) -> None:
    available = available_by_variant([variant.pk]).get(variant.pk, 0)
    if quantity > available:
        raise InsufficientStock(sku=variant.sku, requested=quantity, available=available, attr=attr)


def _check_sellable(*, variant, currency: str) -> None:
    if not variant.is_active or variant.product.status != "active":
        raise ApplicationError(f"{variant.sku} is not for sale.", code="not_for_sale", attr="sku")
    if not variant.prices.filter(currency=currency).exists():
        raise ApplicationError(
            f"{variant.sku} has no price in {currency}; it cannot be bought in this currency.",
            code="no_price_in_currency",
            attr="sku",
        )


@transaction.atomic
def cart_item_add(*, cart: Cart, sku: str, quantity: int) -> CartItem:
    """Add ``quantity`` of ``sku`` (added to what the cart already holds). Unknown SKU → 400;
    no price in the cart's currency → 400; more than available → 409 insufficient_stock."""
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    _open(cart)
    variant = variant_by_sku(sku)
    if variant is None:
        raise ApplicationError(f"No product variant has the SKU {sku!r}.", code="unknown_sku", attr="sku")
    _check_sellable(variant=variant, currency=cart.currency)
    item = CartItem.objects.filter(cart=cart, variant=variant).first()
    wanted = quantity + (item.quantity if item else 0)
    _check_stock(variant=variant, quantity=wanted, attr="quantity")
    if item:
        item.quantity = wanted
        item.save(update_fields=["quantity", "updated_at"])
        return item
    try:
        with transaction.atomic():
            return CartItem.objects.create(cart=cart, variant=variant, quantity=quantity)
    except IntegrityError as exc:  # the cart row lock makes this unreachable; keep it explicit
        raise Conflict("The cart changed meanwhile; try again.") from exc


@transaction.atomic
def cart_item_update(*, cart: Cart, item_id, quantity: int) -> CartItem:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    _open(cart)
    item = CartItem.objects.select_related("variant__product").filter(cart=cart, pk=item_id).first()
    if item is None:
        raise NotFound("No such item in this cart.")
    _check_stock(variant=item.variant, quantity=quantity, attr="quantity")
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_item_remove(*, cart: Cart, item_id) -> None:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    _open(cart)
    deleted, _ = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise NotFound("No such item in this cart.")


@transaction.atomic
def cart_claim(*, cart: Cart, user) -> Cart:
    """A signed-in customer takes over an anonymous cart (after logging in)."""
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if cart.owner_id not in (None, user.pk):
        raise NotFound("No such cart.")
    _open(cart)
    cart.owner = user
    cart.save(update_fields=["owner", "updated_at"])
    return cart
