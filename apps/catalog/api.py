"""The catalog's public surface for other apps.

Owns: categories, products (with their SEO fields), images, variants, prices per currency and
product documents.

Offers: the models others query (``Category``, ``Product``, ``Variant``, ``Price``), the price
of a variant as a query expression (``price_expression``) or SQL fragment (``price_sql``),
``variant_by_sku`` and ``product_search`` (the unified search).

Events: emits none (its model signals only flush its own caches)."""

from django.db.models import OuterRef, Subquery

from .models import Category, Price, Product, Variant
from .selectors import product_search


def price_expression(*, currency: str, variant_ref: str = "pk") -> Subquery:
    """A queryset expression: the variant's price in ``currency`` (None if it has none)."""
    return Subquery(
        Price.objects.filter(variant_id=OuterRef(variant_ref), currency=currency).values("amount")[:1]
    )


def price_sql(*, variant_column: str, currency_column: str | None = None) -> str:
    """A SQL expression for hand-written hot-path queries: the price of the variant whose id is in
    ``variant_column``, in the currency of ``currency_column`` (or, without one, the currency given
    as the next ``%s`` parameter), as text (exact on every database: read it with ``Decimal``),
    NULL when it has none. Same rule as ``price_expression``."""
    currency = currency_column or "%s"
    return (
        f"(SELECT CAST(p.amount AS TEXT) FROM {Price._meta.db_table} p "  # noqa: S608 - table and column names from code
        f"WHERE p.variant_id = {variant_column} AND p.currency = {currency})"
    )


def variant_by_sku(*, sku: str) -> Variant | None:
    """The variant with this SKU (case-insensitive), with its product, or None."""
    variants, sku = Variant.objects.select_related("product"), sku.strip()
    # The exact SKU through its unique index; a different case only if that finds nothing.
    return variants.filter(sku=sku).first() or variants.filter(sku__iexact=sku).first()


__all__ = [
    "Category",
    "Price",
    "price_expression",
    "price_sql",
    "Product",
    "product_search",
    "Variant",
    "variant_by_sku",
]
