"""The CMS's public surface for other apps (search, later the storefront)."""

from .selectors import news_search

__all__ = ["news_search"]
