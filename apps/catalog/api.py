"""The catalog's public surface for other apps."""

from .selectors import product_search

__all__ = ["product_search"]
