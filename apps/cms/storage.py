"""Storage helpers for the media library: the default storage (local disk or S3), URLs,
presigned uploads and reads of objects already in the bucket.

Always fetched through ``storages["default"]`` so a settings override (tests) applies."""

from __future__ import annotations

import logging
import posixpath

from django.core.files.storage import storages

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

PRESIGNED_EXPIRES_SECONDS = 600
PRIVATE_URL_EXPIRES_SECONDS = 300


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
    """Public files: the storage URL. Private files: a short-lived signed URL (S3 signs with
    querystring_auth); on local disk the URL is served only in development."""
    if not name:
        return None
    storage = default_storage()
    if is_s3(storage) and not public:
        return storage.url(name, expire=PRIVATE_URL_EXPIRES_SECONDS)
    return storage.url(name)


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
    """A presigned S3 POST for exactly ``name``, with the declared Content-Type and at most
    ``size`` bytes, valid for 10 minutes: {url, fields, key}."""
    storage = default_storage()
    if not is_s3(storage):
        raise PresignedUnavailable()
    key = s3_key(storage, name)
    post = s3_client(storage).generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"key": key},
            {"Content-Type": content_type},
            ["content-length-range", 1, size],
        ],
        ExpiresIn=PRESIGNED_EXPIRES_SECONDS,
    )
    return {"url": post["url"], "fields": post["fields"], "key": key}


def object_size(name: str) -> int | None:
    """The stored object's size in bytes (a HEAD on S3), None when it does not exist."""
    storage = default_storage()
    if is_s3(storage):
        from botocore.exceptions import ClientError

        try:
            head = s3_client(storage).head_object(Bucket=storage.bucket_name,
                                                  Key=s3_key(storage, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])
    if not storage.exists(name):
        return None
    return storage.size(name)


def read_head(name: str, length: int) -> bytes:
    """The first ``length`` bytes of a stored object (a ranged GET on S3)."""
    storage = default_storage()
    if is_s3(storage):
        obj = s3_client(storage).get_object(
            Bucket=storage.bucket_name, Key=s3_key(storage, name), Range=f"bytes=0-{length - 1}"
        )
        return obj["Body"].read(length)
    with storage.open(name, "rb") as fh:
        return fh.read(length)
