"""The CMS's public surface for other apps (search, the catalog's documents, later the
storefront)."""

from .selectors import news_search
from .services import media_make_private
from .serving import download_response as media_download_response

__all__ = ["media_download_response", "media_make_private", "news_search"]
