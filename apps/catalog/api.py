"""The catalog's public surface for other apps."""

from django.db.models import OuterRef, Subquery

from .models import Price, Variant
from .selectors import product_search


def price_expression(currency: str, variant_ref: str = "pk") -> Subquery:
    """A queryset expression: the variant's price in ``currency`` (None if it has none)."""
    return Subquery(
        Price.objects.filter(variant_id=OuterRef(variant_ref), currency=currency).values("amount")[:1]
    )


def variant_by_sku(sku: str) -> Variant | None:
    """The variant with this SKU (case-insensitive), with its product, or None."""
    variants, sku = Variant.objects.select_related("product"), sku.strip()
    # The exact SKU through its unique index; a different case only if that finds nothing.
    return variants.filter(sku=sku).first() or variants.filter(sku__iexact=sku).first()


__all__ = ["price_expression", "product_search", "variant_by_sku"]
