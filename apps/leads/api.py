"""The leads app's public surface for other apps (unified search)."""

from .selectors import inquiry_search, may_search

__all__ = ["inquiry_search", "may_search"]
