"""Serving stored media files from the application's own origin (local-disk storage): the
public media view and the document download endpoint build their responses here, so a user's
file is never active content on the origin that holds the admin's session.

Every response carries ``X-Content-Type-Options: nosniff``, its own restrictive
``Content-Security-Policy`` (a site-wide CSP middleware leaves an existing header alone), the
Content-Type of the stored (sniffed) type, and ``Content-Disposition: attachment`` for anything
but an allow-listed image."""

from __future__ import annotations

from django.http import FileResponse, HttpResponseRedirect

from . import storage as media_storage
from .models import MediaFile

# Nothing may load or run; images and video still display when opened on their own.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


def secure_headers(response, *, private: bool):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    # A private file is never kept by a cache; a public one is revalidated (Last-Modified), so
    # a file made private stops being served at once.
    response["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


def file_response(media: MediaFile, *, download: bool = False) -> FileResponse:
    """The stored file of ``media`` as a streamed response with the rules above; ``download``
    forces an attachment even for an image. Raises FileNotFoundError when it is not on disk."""
    storage = media_storage.default_storage()
    name = media.file.name
    mime_type = media_storage.served_type(mime_type=media.mime_type, name=name)
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=download or not media_storage.is_inline(mime_type),
        filename=media_storage.download_name(media.file_name or name.rsplit("/", 1)[-1], mime_type),
        content_type=media_storage.content_type_header(mime_type),
    )
    return secure_headers(response, private=not media.is_public)


def download_response(media: MediaFile):
    """A download of ``media`` for a caller whose access was checked: on S3 a redirect to a
    URL signed for MEDIA_PRIVATE_URL_SECONDS (the object carries its own safe headers), on
    local disk the file itself as an attachment."""
    if media_storage.is_s3():
        return HttpResponseRedirect(media_storage.file_url(media.file.name, public=False))
    return file_response(media, download=True)
