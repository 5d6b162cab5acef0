"""Storage helpers for the media library: the default storage (local disk or S3), URLs
(signed and expiring for private files, on disk as on S3), presigned uploads, and the headers
every stored object is served with.

Always fetched through ``storages["default"]`` so a settings override (tests) applies."""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from apps.core.errors import ApplicationError

from .uploads import INLINE_TYPES, PASSIVE_TYPES, TEXT_TYPES, type_for_extension

logger = logging.getLogger(__name__)

PRESIGNED_EXPIRES_SECONDS = 600
SIGNATURE_PARAM = "signature"
_SIGNER_SALT = "cms.media.private"


def private_url_seconds() -> int:
    """How long a private file's URL works (MEDIA_PRIVATE_URL_SECONDS, on disk and on S3)."""
    return settings.MEDIA_PRIVATE_URL_SECONDS


# --- How a stored file is served ----------------------------------------------------------


def served_type(*, mime_type: str, name: str) -> str:
    """The type a stored file is served as: its recorded (sniffed) type when that is a passive
    type, else the passive type of its stored name's extension, else application/octet-stream.
    Files stored before names came from the sniffed type (``x.html`` holding text) are served
    by their recorded type, never by their name."""
    for candidate in (mime_type, type_for_extension(name)):
        if candidate in PASSIVE_TYPES:
            return candidate
    return "application/octet-stream"


def download_name(file_name: str, mime_type: str) -> str:
    """The name a browser saves a file under: the original name, with the extension of the
    served type when it has another one (``report.html`` holding text saves as
    ``report.txt``, so it never opens as a page from the disk either)."""
    stem, dot, ext = file_name.rpartition(".")
    extension = PASSIVE_TYPES.get(mime_type, ".bin")
    if not dot or not stem:
        return f"{file_name}{extension}"
    if f".{ext.lower()}" == extension or (extension == ".jpg" and ext.lower() == "jpeg"):
        return file_name
    return f"{stem}{extension}"


def content_type_header(mime_type: str) -> str:
    return f"{mime_type}; charset=utf-8" if mime_type in TEXT_TYPES else mime_type


def is_inline(mime_type: str) -> bool:
    """Only the allow-listed image types may be shown by a browser; the rest is a download."""
    return mime_type in INLINE_TYPES


def object_headers(mime_type: str) -> dict[str, str]:
    """The S3 object parameters a file of (served) ``mime_type`` is stored with."""
    params = {"ContentType": content_type_header(mime_type)}
    if not is_inline(mime_type):
        params["ContentDisposition"] = "attachment"
    return params


class MediaS3Storage(S3Storage):
    """django-storages' S3 storage whose objects always carry the Content-Type of their stored
    name's (passive) type and ``Content-Disposition: attachment`` unless they are images,
    whatever Content-Type the client declared for the upload. Names without a passive
    extension (the reports' ``.csv.gz``) keep the type and encoding guessed from the name when
    that type is passive, else ``application/octet-stream``: never the client's type."""

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        mime_type = type_for_extension(name)
        if mime_type is None:
            guessed, encoding = mimetypes.guess_type(name)
            mime_type = guessed if guessed in PASSIVE_TYPES else "application/octet-stream"
            if encoding:
                params["ContentEncoding"] = encoding
        params.update(object_headers(mime_type))
        return params


# --- Storage and URLs -----------------------------------------------------------------------


class PresignedUnavailable(ApplicationError):
    default_code = "presigned_unavailable"
    default_detail = (
        "Presigned uploads need S3 storage (AWS_STORAGE_BUCKET_NAME); this server stores files "
        "on local disk. Upload the file with POST /api/v1/media (multipart) instead."
    )


def default_storage():
    return storages["default"]


def is_s3(storage=None) -> bool:
    storage = storage or default_storage()
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def s3_key(storage, name: str) -> str:
    location = getattr(storage, "location", "") or ""
    return posixpath.join(location, name) if location else name


def s3_client(storage):
    return storage.connection.meta.client


def file_url(name: str, *, public: bool) -> str | None:
    """Public files: the storage URL. Private files: a URL that works for
    MEDIA_PRIVATE_URL_SECONDS, S3's presigned URL or, on local disk, the media view's URL with
    a signed timestamp (the view serves a private file only with a valid one)."""
    if not name:
        return None
    storage = default_storage()
    if public:
        return storage.url(name)
    if is_s3(storage):
        return storage.url(name, expire=private_url_seconds())
    return f"{storage.url(name)}?{urlencode({SIGNATURE_PARAM: _sign(name)})}"


def _sign(name: str) -> str:
    # TimestampSigner signs "name:timestamp"; the URL carries only "timestamp:signature".
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign(name)[len(name) + 1 :]


def signature_valid(name: str, signature: str) -> bool:
    """Whether ``signature`` (from ``file_url``) was made for ``name`` and has not expired."""
    if not signature:
        return False
    try:
        signing.TimestampSigner(salt=_SIGNER_SALT).unsign(
            f"{name}:{signature}", max_age=private_url_seconds()
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    return True


def delete_quietly(names) -> None:
    """Remove stored objects; a failure is logged, never raised (used in clean-ups)."""
    storage = default_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - a clean-up must not hide the original outcome
            logger.exception("could not delete stored object %s", name)


def presigned_post(*, name: str, content_type: str, size: int) -> dict:
    """A presigned S3 POST for exactly ``name``, with the Content-Type (and, for anything but
    an image, the ``Content-Disposition: attachment``) the object must be served with and at
    most ``size`` bytes, valid for 10 minutes: {url, fields, key}."""
    storage = default_storage()
    if not is_s3(storage):
        raise PresignedUnavailable()
    key = s3_key(storage, name)
    headers = object_headers(content_type)
    fields = {"Content-Type": headers["ContentType"]}
    if "ContentDisposition" in headers:
        fields["Content-Disposition"] = headers["ContentDisposition"]
    post = s3_client(storage).generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields=fields,
        Conditions=[
            {"key": key},
            *({field: value} for field, value in fields.items()),
            ["content-length-range", 1, size],
        ],
        ExpiresIn=PRESIGNED_EXPIRES_SECONDS,
    )
    return {"url": post["url"], "fields": post["fields"], "key": key}


def apply_object_headers(name: str, mime_type: str) -> None:
    """Make the stored S3 object carry the headers of ``mime_type`` (a copy onto itself that
    replaces its metadata), whatever the client sent with a presigned upload. Local disk: the
    media view sets the headers when it serves the file."""
    storage = default_storage()
    if not is_s3(storage):
        return
    key = s3_key(storage, name)
    s3_client(storage).copy_object(
        Bucket=storage.bucket_name,
        Key=key,
        CopySource={"Bucket": storage.bucket_name, "Key": key},
        MetadataDirective="REPLACE",
        **object_headers(mime_type),
    )


def object_size(name: str) -> int | None:
    """The stored object's size in bytes (a HEAD on S3), None when it does not exist."""
    storage = default_storage()
    if is_s3(storage):
        from botocore.exceptions import ClientError

        try:
            head = s3_client(storage).head_object(Bucket=storage.bucket_name, Key=s3_key(storage, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])
    if not storage.exists(name):
        return None
    return storage.size(name)
