"""The CMS's public surface for other apps (search, the catalog's documents, later the
storefront).

Owns: the media library (``MediaFile``: uploads, private files, signed URLs), pages and news.

Offers: ``MediaFile`` (the model, for queries), and:

- ``media_make_private``: a file only signed, expiring URLs hand out.
- ``media_restriction_register(restricted_by=...)``: ``restricted_by(media=...) -> [names]`` says what
  of the caller's keeps a file private; while it names anything, the file cannot be made public
  again (409 ``media_restricted``).
- ``media_download_response``: a file as an attachment with the media library's safe headers.
- ``news_search``: published news for the unified search.

Events: emits none."""

from .models import MediaFile
from .selectors import news_search
from .services import media_make_private, media_restriction_register
from .serving import download_response as media_download_response

__all__ = [
    "media_download_response",
    "media_make_private",
    "media_restriction_register",
    "MediaFile",
    "news_search",
]
