"""The media view: files of the media library on local-disk storage, served from the app's
origin under MEDIA_URL with the rules of ``serving`` (DEBUG on and off alike). Only files the
library knows are served: a ready row, public, or private with a valid, unexpired signature
(``storage.file_url``); anything else is a 404. On S3 the files live on the bucket's origin
and this view serves nothing."""

from django.http import Http404, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from . import selectors, serving
from . import storage as media_storage


@require_safe
def media_serve(request, path: str):
    storage = media_storage.default_storage()
    media = None if media_storage.is_s3(storage) else selectors.media_by_name(name=path)
    if media is None:
        raise Http404("No such file.")
    if not media.is_public and not media_storage.signature_valid(
        media.file.name, request.GET.get(media_storage.SIGNATURE_PARAM, "")
    ):
        raise Http404("No such file.")
    try:
        modified = storage.get_modified_time(media.file.name).timestamp()
        if media.is_public and not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), modified):
            return serving.secure_headers(HttpResponseNotModified(), private=False)
        response = serving.file_response(media)
    except FileNotFoundError as exc:
        raise Http404("No such file.") from exc
    response["Last-Modified"] = http_date(modified)
    return response
