"""The media library: validated uploads (all or nothing), presigned S3 uploads and their
completion, deletion of the row together with the stored object."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.db import transaction
from django.db.models import ProtectedError

from apps.core.activity import activity_record, snapshot
from apps.core.errors import ApplicationError, Conflict
from apps.core.services import model_update

from .. import storage as media_storage
from .. import uploads
from ..models import MediaFile, media_key
from .common import normalize_tags

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import Model

    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)

MEDIA_META_FIELDS = ["alt_text", "caption", "tags", "is_public"]
MAX_FILES_PER_REQUEST = 20


@dataclass
class Upload:
    """One file of a request: a file object with ``name`` and ``size`` (Django's
    UploadedFile, or a File)."""

    file: object
    name: str
    size: int


def _meta(data: dict | None) -> dict:
    meta = {k: v for k, v in (data or {}).items() if k in MEDIA_META_FIELDS}
    if "tags" in meta:
        meta["tags"] = normalize_tags(tags=meta["tags"])
    return meta


def media_upload(*, files: list, data: dict | None = None, actor: AnyUser | None = None) -> list[MediaFile]:
    """Validate every file first (size, sniffed type, image limits), then store them all in
    one transaction. One bad file: nothing is stored; a failure while storing removes the
    objects already written, so storage keeps no orphans."""
    if not files:
        raise ApplicationError(
            "Send at least one file (multipart field 'file' or 'files').", code="required", attr="file"
        )
    if len(files) > MAX_FILES_PER_REQUEST:
        raise ApplicationError(
            f"At most {MAX_FILES_PER_REQUEST} files per request.", code="too_many_files", attr="files"
        )
    meta = _meta(data)
    checked = []
    for f in files:
        name = (getattr(f, "name", "") or "file").rsplit("/", 1)[-1][:255]
        info = uploads.inspect_upload(f, name=name, size=f.size)
        checked.append((f, name, info))

    stored_names: list[str | None] = []  # delete_quietly skips a file that got no name
    try:
        with transaction.atomic():
            created = []
            for f, name, info in checked:
                media = MediaFile(
                    file_name=name,
                    file_type=info.file_type,
                    mime_type=info.mime_type,
                    size=info.size,
                    width=info.width,
                    height=info.height,
                    status=MediaFile.Status.READY,
                    uploaded_by=_user(actor),
                    **meta,
                )
                f.seek(0)
                media.file.save(name, f, save=False)
                stored_names.append(media.file.name)
                media.full_clean()
                media.save(force_insert=True)
                activity_record(actor=actor, action="create", entity=media, after=snapshot(media))
                created.append(media)
    except BaseException:
        media_storage.delete_quietly(stored_names)
        raise
    return created


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def media_describe_users(*, objects: Iterable[Model]) -> str:
    """'product image 'Tractor X image 1', news article 'Harvest season'' for a set of
    model instances (the protected objects of a ProtectedError)."""
    parts = sorted({f"{obj._meta.verbose_name} '{obj}'" for obj in objects})
    return ", ".join(parts)


def media_delete(*, media: MediaFile, actor: AnyUser | None = None) -> None:
    """Delete the row and, once the transaction commits, the stored object. Media still used
    (a PROTECT foreign key from products, documents, articles, SEO images) → 409
    ``media_in_use`` naming the users."""
    name = media.file.name
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().get(pk=media.pk)
        before, pk = snapshot(media), str(media.pk)
        try:
            with transaction.atomic():
                media.delete()
        except ProtectedError as exc:
            users = media_describe_users(objects=exc.protected_objects)
            raise Conflict(
                f"The file '{media.file_name}' is in use and cannot be deleted. Used by: {users}.",
                code="media_in_use",
            ) from exc
        activity_record(
            actor=actor, action="delete", entity_type=MediaFile._meta.label_lower, entity_id=pk, before=before
        )
        transaction.on_commit(lambda: media_storage.delete_quietly([name]))


# Other apps that keep a file private register a function here answering, for a media file, what
# of theirs does (the catalog: its documents that are not public); a file they name cannot be
# made public again until they let it go.
class MediaRestriction(Protocol):
    """What of an app's keeps ``media`` private: the names of its holders (empty: nothing)."""

    def __call__(self, *, media: MediaFile) -> list[str]: ...


MEDIA_RESTRICTIONS: list[MediaRestriction] = []


def media_restriction_register(*, restricted_by: MediaRestriction) -> None:
    MEDIA_RESTRICTIONS.append(restricted_by)


def media_restricted_by(*, media: MediaFile) -> list[str]:
    return [name for restricted_by in MEDIA_RESTRICTIONS for name in restricted_by(media=media)]


def media_check_publishable(*, media: MediaFile) -> None:
    """409 ``media_restricted`` naming who keeps the (private) file private, if anyone does."""
    if not media.is_public and (users := media_restricted_by(media=media)):
        raise Conflict(
            f"The file '{media.file_name}' stays private: it is the file of {', '.join(users)}, "
            "which not everyone may read. Make those public first, or upload another file.",
            code="media_restricted",
            attr="is_public",
        )


@transaction.atomic
def media_update(*, media: MediaFile, data: dict, actor: AnyUser | None = None) -> MediaFile:
    """Change a file's description, tags or visibility. A file that another app keeps private
    (``media_restriction_register``) stays private: 409 ``media_restricted`` naming who."""
    media = MediaFile.objects.select_for_update().get(pk=media.pk)
    if data.get("is_public"):
        media_check_publishable(media=media)
    before = snapshot(media)
    media, updated = model_update(instance=media, fields=MEDIA_META_FIELDS, data=_meta(data))
    if updated:
        activity_record(actor=actor, action="update", entity=media, before=before, after=snapshot(media))
    return media


@transaction.atomic
def media_presign(
    *, file_name: str, content_type: str, size: int, data: dict | None = None, actor: AnyUser | None = None
) -> tuple[MediaFile, dict]:
    """Reserve a key and a pending row; answer the presigned POST for the client to upload
    the file straight to S3. The key's extension comes from the declared type (on the
    allow-list); /complete then checks that what arrived is of that type."""
    name = (file_name or "file").rsplit("/", 1)[-1][:255]
    uploads.check_size(size, name=name)
    uploads.check_type(content_type, name=name)
    key_name = media_key(content_type)
    post = media_storage.presigned_post(name=key_name, content_type=content_type, size=size)
    media = MediaFile(
        file=key_name,
        file_name=name,
        file_type=uploads.file_type_for(content_type),
        mime_type=content_type,
        size=size,
        status=MediaFile.Status.PENDING,
        uploaded_by=_user(actor),
        **_meta(data),
    )
    media.save(force_insert=True)
    activity_record(actor=actor, action="media.presign", entity=media, after=snapshot(media))
    return media, post


def media_complete(*, media: MediaFile, actor: AnyUser | None = None) -> MediaFile:
    """A presigned upload arrived: check the object exists with the declared size, validate
    the stored file as a direct upload is (sniffed type, no markup, image limits) and require
    the sniffed type to be the declared one (the key's extension and the object's headers come
    from it), then mark it ready with the object's headers set. Anything else removes the
    object and the row."""
    if media.status == MediaFile.Status.READY:
        return media
    name = media.file.name
    size = None if name is None else media_storage.object_size(name)
    if name is None or size is None:
        raise ApplicationError(
            "The file has not been uploaded yet: POST it to the presigned URL first.", code="upload_missing"
        )
    if size != media.size:
        raise ApplicationError(
            f"The uploaded file is {size} bytes, but {media.size} bytes were declared.",
            code="size_mismatch",
            attr="size",
        )
    try:
        with media_storage.default_storage().open(name, "rb") as stored:
            info = uploads.inspect_upload(stored, name=media.file_name, size=size)
        if info.mime_type != media.mime_type:
            raise uploads.UnsupportedFileType(
                f"The content of '{media.file_name}' is {info.mime_type}, but {media.mime_type} "
                "was declared.",
                code="type_mismatch",
                attr="content_type",
            )
    except ApplicationError:
        _media_reject(media=media, actor=actor)
        raise
    media_storage.apply_object_headers(name, info.mime_type)
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().get(pk=media.pk)
        if media.status == MediaFile.Status.READY:
            return media
        before = snapshot(media)
        media.file_type = info.file_type
        media.width, media.height = info.width, info.height
        media.status = MediaFile.Status.READY
        media.save(update_fields=["file_type", "width", "height", "status", "updated_at"])
        activity_record(
            actor=actor, action="media.complete", entity=media, before=before, after=snapshot(media)
        )
    return media


def _media_reject(*, media: MediaFile, actor) -> None:
    name = media.file.name
    with transaction.atomic():
        MediaFile.objects.filter(pk=media.pk, status=MediaFile.Status.PENDING).delete()
        activity_record(
            actor=actor, action="media.reject", entity=media, before=snapshot(media), only_changes=False
        )
        transaction.on_commit(lambda: media_storage.delete_quietly([name]))


def media_make_private(*, media: MediaFile, actor: AnyUser | None = None) -> MediaFile:
    """Make a file private (signed, expiring URLs only; the public media view refuses it), e.g.
    because a document that is not public uses it."""
    if not media.is_public:
        return media
    return media_update(media=media, data={"is_public": False}, actor=actor)


def media_secure_stored_objects(*, batch_size: int = 500) -> int:
    """Give every stored S3 object of the library the headers of its recorded type
    (Content-Type, and Content-Disposition: attachment unless an image): objects uploaded
    before names and headers came from the sniffed type may carry the client's text/html.
    Returns how many objects were rewritten (0 on local disk, where the media view sets the
    headers on every response). Safe to run again."""
    if not media_storage.is_s3():
        return 0
    done = 0
    ready = MediaFile.objects.filter(status=MediaFile.Status.READY).order_by("pk")
    for name, mime_type in ready.values_list("file", "mime_type").iterator(chunk_size=batch_size):
        try:
            media_storage.apply_object_headers(
                name, media_storage.served_type(mime_type=mime_type, name=name)
            )
        except Exception:  # noqa: BLE001 - one missing object must not stop the others
            logger.exception("could not rewrite the headers of stored object %s", name)
            continue
        done += 1
    return done
