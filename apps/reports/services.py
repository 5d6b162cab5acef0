"""Async reports: requested through the API, written by a worker to storage in chunks, handed
out through a signed URL valid REPORT_URL_SECONDS, and deleted (file too) after
REPORT_RETENTION_DAYS.

A report is ``done`` only after its whole file is stored: the worker writes to a local
temporary file (gzip on the fly if asked), stores it under a name of its own attempt, then marks
the report done in one conditional update. A worker killed on the way leaves the report
``running`` with no file; the task is delivered again (late acks) and starts from scratch, and
the sweeper re-queues a report whose worker went silent, up to REPORT_MAX_ATTEMPTS, then marks
it ``failed``."""

from __future__ import annotations

import gzip
import logging
import tempfile
from contextlib import closing
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.errors import ApplicationError
from apps.core.services import enqueue_on_commit

from . import exports
from .datasets import dataset_csv
from .models import Report

if TYPE_CHECKING:
    from apps.accounts.api import User

logger = logging.getLogger(__name__)
R = Report.Status
PROGRESS_EVERY = 5000
SIGNER_SALT = "reports.download"


def report_storage() -> Storage:
    """S3 when configured (private objects, presigned URLs); else a directory of its own
    (REPORTS_ROOT), outside MEDIA_ROOT, which the development server serves to anyone."""
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return storage
    return FileSystemStorage(location=settings.REPORTS_ROOT)


def _query(filters: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in filters.items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = "" if value is None else str(value)
    return query


def _filtered(dataset, *, user, filters: dict):
    """The dataset's rows for ``user`` after ``filters``, exactly as the export endpoint and
    the list endpoint filter them (a bad value raises the same 400)."""
    request = SimpleNamespace(user=user, query_params=_query(filters), GET=_query(filters))
    return exports.filtered_queryset(dataset, request)


@transaction.atomic
def report_request(
    *, user: User, dataset: str, filters: dict, format: str = "csv", compress: bool = False
) -> Report:
    """Check the dataset, the caller's role and the filters now (400/403/404 here, not in the
    worker), then queue the report."""
    chosen = exports.dataset_for(user=user, name=dataset)
    if not isinstance(filters, dict) or any(not isinstance(k, str) for k in filters):
        raise ApplicationError("filters must be an object of the list endpoint's parameters.", attr="filters")
    _filtered(chosen, user=user, filters=filters).query  # noqa: B018 - validates the filters (raises 400)
    report = Report.objects.create(
        requested_by=user, dataset=chosen.name, filters=filters, format=format, compress=compress
    )
    activity_record(
        actor=user,
        action="report.request",
        entity=report,
        after={"dataset": chosen.name, "filters": filters, "compress": compress},
        only_changes=False,
    )
    from .tasks import generate_report

    enqueue_on_commit(task=generate_report, args=[str(report.pk)])
    return report


def _claim(report_id) -> Report | None:
    """Take a queued report, or one left running by a worker that died (redelivery): from
    scratch, one attempt more."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in (R.QUEUED, R.RUNNING):
            return None
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            report.status, report.finished_at = R.FAILED, timezone.now()
            report.error = report.error or f"Gave up after {report.attempts} attempts."
            report.save(update_fields=["status", "finished_at", "error", "updated_at"])
            return None
        report.status, report.attempts, report.rows, report.total_rows = (
            R.RUNNING,
            report.attempts + 1,
            0,
            None,
        )
        report.started_at, report.error, report.file, report.file_size = timezone.now(), "", "", None
        report.save(
            update_fields=["status", "attempts", "rows", "total_rows", "started_at", "error", "file",
                           "file_size", "updated_at"]
        )  # fmt: skip
        return report


class _Progress:
    """Writes the report's row count as the file grows. On PostgreSQL, on a connection of its
    own: while the database streams the rows (COPY) the worker's connection can run nothing
    else, and a query there would wait for the COPY that waits for it."""

    def __init__(self, report: Report):
        self.report = report
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        )

    def __call__(self, rows: int) -> None:
        if self.side is None:
            Report.objects.filter(pk=self.report.pk, attempts=self.report.attempts).update(
                rows=rows, updated_at=timezone.now()
            )
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Report._meta.db_table} SET rows = %s, updated_at = now() "  # noqa: S608 - our table name
                "WHERE id = %s AND attempts = %s",
                [rows, self.report.pk, self.report.attempts],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def report_generate(*, report_id: UUID | str) -> str:
    """Write the report's file (the worker's task). Returns what happened."""
    report = _claim(report_id)
    if report is None:
        return "nothing to do"
    dataset = exports.DATASETS[report.dataset]
    try:
        queryset = _filtered(dataset, user=report.requested_by, filters=report.filters)
        Report.objects.filter(pk=report.pk).update(total_rows=queryset.count())
        written = 0
        progress = _Progress(report)
        with closing(progress), tempfile.TemporaryFile(dir=settings.REPORTS_TMP_DIR or None) as raw:
            target = gzip.GzipFile(fileobj=raw, mode="wb") if report.compress else raw
            for chunk, rows in dataset_csv(dataset, queryset):
                target.write(chunk)
                if (written + rows) // PROGRESS_EVERY > written // PROGRESS_EVERY:
                    progress(written + rows)
                written += rows
            if report.compress:
                target.close()  # writes the gzip trailer; ``raw`` stays open
            size = raw.tell()
            raw.seek(0)
            day = timezone.localdate().isoformat()
            extension = "csv.gz" if report.compress else "csv"
            name = f"reports/{report.pk}/{report.dataset}_{day}_{report.attempts}.{extension}"
            stored = report_storage().save(name, File(raw, name=name))
    except Exception as exc:
        Report.objects.filter(pk=report.pk, attempts=report.attempts).update(
            status=R.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip
        logger.exception("report %s failed", report.pk)
        return "failed"
    with transaction.atomic():
        done = Report.objects.filter(pk=report.pk, attempts=report.attempts, status=R.RUNNING).update(
            status=R.DONE, rows=written, file=stored, file_size=size, finished_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip
        if not done:  # superseded meanwhile (swept and re-queued): this file is not the report's
            transaction.on_commit(lambda: report_storage().delete(stored))
            return "superseded"
        report.refresh_from_db()
        _email_ready(report)
    return f"done: {written} rows"


def _email_ready(report: Report) -> None:
    from apps.notifications import api as notifications

    notifications.email_queue(
        to=report.requested_by.email,
        template="report_ready",
        context={
            "dataset": report.dataset,
            "rows": report.rows,
            "filters": report.filters,
            "url": settings.REPORTS_PAGE_URL.format(id=report.pk),
            "days": settings.REPORT_RETENTION_DAYS,
        },
        related=report,
    )


# --- Download ---------------------------------------------------------------------------------


def download_url(*, report: Report, base_url: str = "") -> tuple[str, datetime] | tuple[None, None]:
    """A URL valid REPORT_URL_SECONDS: S3's presigned URL, or on local disk our own download
    endpoint with a signed, timestamped token, after ``base_url`` (the site's scheme and host,
    such as ``https://example.com``; a path alone without it)."""
    if report.status != R.DONE or not report.file:
        return None, None
    seconds = settings.REPORT_URL_SECONDS
    expires = timezone.now() + timedelta(seconds=seconds)
    storage = report_storage()
    if hasattr(storage, "bucket_name"):  # django-storages' S3Storage: its url() presigns
        s3: Any = storage
        return s3.url(report.file, expire=seconds), expires
    token = signing.TimestampSigner(salt=SIGNER_SALT).sign(str(report.pk))
    path = reverse("report-download", kwargs={"report_id": report.pk}) + f"?token={token}"
    return base_url.rstrip("/") + path, expires


def report_for_token(*, report_id: UUID | str, token: str) -> Report:
    """The report a download token opens (403 ``link_expired`` / ``invalid_link``)."""
    from apps.core.errors import NotFound, PermissionDenied

    try:
        value = signing.TimestampSigner(salt=SIGNER_SALT).unsign(token, max_age=settings.REPORT_URL_SECONDS)
    except signing.SignatureExpired as exc:
        raise PermissionDenied(
            "This download link has expired: ask for a new one.", code="link_expired"
        ) from exc
    except signing.BadSignature as exc:
        raise PermissionDenied("This download link is not valid.", code="invalid_link") from exc
    if value != str(report_id):
        raise PermissionDenied("This download link is not valid.", code="invalid_link")
    report = Report.objects.filter(pk=report_id, status=R.DONE).exclude(file="").first()
    if report is None:
        raise NotFound("No such report.")
    return report


# --- Beat -------------------------------------------------------------------------------------


def reports_purge() -> int:
    """Delete reports older than REPORT_RETENTION_DAYS and their files (file first: a report
    whose file could not be deleted is kept for the next run)."""
    cutoff = timezone.now() - timedelta(days=settings.REPORT_RETENTION_DAYS)
    storage = report_storage()
    deleted = 0
    for report in Report.objects.filter(created_at__lt=cutoff).iterator(chunk_size=500):
        if report.file:
            try:
                storage.delete(report.file)
            except Exception:  # noqa: BLE001 - retried by the next run
                logger.exception("could not delete report file %s", report.file)
                continue
        deleted += Report.objects.filter(pk=report.pk).delete()[0]
    return deleted


def reports_sweep() -> dict:
    """Reports whose worker went silent (no progress for REPORT_STALE_MINUTES): re-queued from
    scratch, or failed after REPORT_MAX_ATTEMPTS; queued ones whose task was lost: re-sent."""
    from .tasks import generate_report

    stale = timezone.now() - timedelta(minutes=settings.REPORT_STALE_MINUTES)
    requeued = failed = 0
    candidates = Report.objects.filter(status__in=(R.QUEUED, R.RUNNING), updated_at__lt=stale)
    for report_id in candidates.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            report = Report.objects.select_for_update(skip_locked=True).filter(pk=report_id).first()
            if report is None or report.status not in (R.QUEUED, R.RUNNING) or report.updated_at >= stale:
                continue
            if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                report.status, report.finished_at = R.FAILED, timezone.now()
                report.error = f"The worker stopped answering {report.attempts} times."
                report.save(update_fields=["status", "finished_at", "error", "updated_at"])
                failed += 1
                continue
            report.status = R.QUEUED
            report.save(update_fields=["status", "updated_at"])
            enqueue_on_commit(task=generate_report, args=[str(report.pk)])
            requeued += 1
    return {"requeued": requeued, "failed": failed}
