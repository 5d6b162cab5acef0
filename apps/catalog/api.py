"""The catalog's public surface for other apps."""

from .models import Variant
from .selectors import product_search


def variant_by_sku(sku: str) -> Variant | None:
    """The variant with this SKU (case-insensitive), with its product, or None."""
    return Variant.objects.select_related("product").filter(sku__iexact=sku.strip()).first()


__all__ = ["product_search", "variant_by_sku"]
