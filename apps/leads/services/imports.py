"""Contact import: plan and write the rows of a validated file (contacts_csv.py documents the
file and the rules), synchronously or as a background ImportJob.

A contact is an Inquiry. Duplicates by email (within the file and against the stored
inquiries, the most recent one with that email) update rather than duplicate: a non-empty
cell replaces the stored value, an empty cell leaves it. A user who sees only the inquiries
assigned to them gets the new contacts assigned; a row matching an inquiry they cannot see
is rejected instead of changing it. The whole import is one transaction.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.errors import ApplicationError
from apps.core.services import enqueue_on_commit

from ..models import ImportJob, Inquiry
from ..selectors import inquiries_visible
from .contacts_csv import CsvFile, ImportFileError, ImportTooLarge, Row, csv_parse, row_validate
from .inquiries import sees_all_inquiries
from .rules import active_rules, inquiry_score_apply

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

__all__ = [
    "CsvFile",
    "ImportFileError",
    "ImportTooLarge",
    "Outcome",
    "contacts_import",
    "contacts_import_start",
    "csv_parse",
    "import_job_run",
    "import_jobs_requeue_stale",
]

logger = logging.getLogger(__name__)

CONTACT_FIELDS = ("full_name", "phone", "company", "country", "inquiry_type", "message", "source")
MAX_LISTED_ERRORS = 500
NOT_YOURS = "An inquiry with this email is assigned to someone else; a sales manager may import this row."
LOOKUP_CHUNK = 500


# --- Planning and applying ------------------------------------------------------------------------


@dataclass
class Target:
    """One contact the import writes: an existing inquiry or a new one."""

    inquiry: Inquiry
    is_new: bool
    first_line: int


@dataclass
class Outcome:
    total_rows: int
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    applied: bool = False

    def report(self) -> dict:
        return {"created": self.created, "updated": self.updated, "rejected": self.rejected}

    def counts(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created_count": len(self.created),
            "updated_count": len(self.updated),
            "rejected_count": len(self.rejected),
        }


def _existing_by_email(emails: list[str], *, lock: bool) -> dict[str, Inquiry]:
    """The most recent stored inquiry of each email (case-insensitive). With ``lock`` they are
    locked, in primary key order like every other batch writer (no deadlock with a rescoring)."""
    chosen: dict[str, uuid.UUID] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        rows = (
            Inquiry.objects.annotate(email_ci=Lower("email"))
            .filter(email_ci__in=emails[start : start + LOOKUP_CHUNK])
            .order_by("email_ci", "-created_at")
            .values_list("email_ci", "pk")
        )
        for email, pk in rows:
            chosen.setdefault(email, pk)
    by_pk: dict[uuid.UUID, Inquiry] = {}
    pks = sorted(chosen.values())
    for start in range(0, len(pks), LOOKUP_CHUNK):
        qs = Inquiry.objects.filter(pk__in=pks[start : start + LOOKUP_CHUNK]).order_by("pk")
        by_pk.update((i.pk, i) for i in (qs.select_for_update() if lock else qs))
    return {email: by_pk[pk] for email, pk in chosen.items() if pk in by_pk}


def _visible_ids(actor, ids: list) -> set:
    visible = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        qs = Inquiry.objects.filter(pk__in=ids[start : start + LOOKUP_CHUNK])
        visible |= set(inquiries_visible(user=actor, queryset=qs).values_list("pk", flat=True))
    return visible


def _merge(inquiry: Inquiry, row: Row) -> None:
    for name, value in row.values.items():
        setattr(inquiry, name, value)
    if row.metadata:
        base = inquiry.metadata if isinstance(inquiry.metadata, dict) else {}
        inquiry.metadata = {**base, **row.metadata}


def contacts_import(
    *,
    csv_file: CsvFile,
    actor: AnyUser | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    job: ImportJob | None = None,
) -> Outcome:
    """Validate every row, then (unless a dry run, or invalid rows without ``skip_invalid``)
    write all of it in the caller's transaction. See the module docstring for the rules."""
    rows = [row_validate(line=line, columns=csv_file.columns, cells=cells) for line, cells in csv_file.rows]
    outcome = Outcome(total_rows=len(rows))
    valid = [r for r in rows if not r.errors]
    existing = _existing_by_email(sorted({r.email for r in valid}), lock=not dry_run)
    sees_all = sees_all_inquiries(user=actor)
    visible = set() if sees_all else _visible_ids(actor, [i.pk for i in existing.values()])

    targets: dict[str, Target] = {}
    for row in rows:
        if row.errors:
            outcome.rejected.append({"line": row.line, "email": row.email, "errors": row.errors})
            continue
        target = targets.get(row.email)
        if target is None:
            stored = existing.get(row.email)
            if stored is not None and not sees_all and stored.pk not in visible:
                problem = {"field": "email", "detail": NOT_YOURS}
                outcome.rejected.append({"line": row.line, "email": row.email, "errors": [problem]})
                continue
            if stored is not None:
                target = Target(inquiry=stored, is_new=False, first_line=row.line)
            else:
                target = Target(
                    inquiry=Inquiry(email=row.email, source="import", status=Inquiry.Status.NEW, metadata={}),
                    is_new=True,
                    first_line=row.line,
                )
            targets[row.email] = target
            entry = {
                "line": row.line,
                "email": row.email,
                "id": None if target.is_new and dry_run else str(target.inquiry.pk),
            }
            (outcome.created if target.is_new else outcome.updated).append(entry)
        else:
            outcome.updated.append(
                {
                    "line": row.line,
                    "email": row.email,
                    "id": None if target.is_new and dry_run else str(target.inquiry.pk),
                    "duplicate_of_line": target.first_line,
                }
            )
        _merge(target.inquiry, row)

    if dry_run or (outcome.rejected and not skip_invalid):
        return outcome
    _apply(targets=list(targets.values()), actor=actor, sees_all=sees_all, job=job)
    outcome.applied = True
    return outcome


def _apply(*, targets: list[Target], actor, sees_all: bool, job: ImportJob | None) -> None:
    rules = active_rules()
    now = timezone.now()
    new, changed = [], []
    for target in targets:
        inquiry = target.inquiry
        if inquiry.is_open:
            inquiry_score_apply(inquiry=inquiry, rules=rules)
        inquiry.import_job = job
        inquiry.updated_at = now
        if target.is_new:
            inquiry.created_at = now
            if not sees_all:
                inquiry.assigned_to = actor
            new.append(inquiry)
        else:
            changed.append(inquiry)
    Inquiry.objects.bulk_create(new, batch_size=500)
    if changed:
        Inquiry.objects.bulk_update(
            changed,
            [*CONTACT_FIELDS, "metadata", "lead_score", "matched_rules", "import_job", "updated_at"],
            batch_size=500,
        )


# --- Entry points -------------------------------------------------------------------------------


def _errors_for(outcome: Outcome) -> ValidationError:
    errors: dict[str, list[str]] = {}
    listed = 0
    for entry in outcome.rejected:
        for problem in entry["errors"]:
            if listed == MAX_LISTED_ERRORS:
                break
            key = f"rows.{entry['line']}.{problem['field']}" if problem["field"] else f"rows.{entry['line']}"
            errors.setdefault(key, []).append(f"Line {entry['line']}: {problem['detail']}")
            listed += 1
    more = sum(len(e["errors"]) for e in outcome.rejected) - listed
    if more > 0:
        errors["rows"] = [f"... and {more} more problem(s); import with ?dry_run=true for the full report."]
    errors.setdefault("file", []).append(
        f"{len(outcome.rejected)} of {outcome.total_rows} row(s) are invalid; nothing was imported. "
        "Fix them, or import with ?skip_invalid=true to import the valid rows only."
    )
    return ValidationError(errors)


def _record(*, job: ImportJob, outcome: Outcome, actor) -> None:
    activity_record(
        actor=actor,
        action="inquiry.import",
        entity=job,
        after={
            **outcome.counts(),
            "dry_run": job.dry_run,
            "skip_invalid": job.skip_invalid,
            "file_name": job.file_name,
        },
        only_changes=False,
    )


def contacts_import_start(
    *,
    content: bytes,
    file_name: str,
    actor: AnyUser | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> Outcome | ImportJob:
    """The upload endpoint: a small file is imported now (an Outcome; invalid rows without
    ``skip_invalid`` raise ValidationError with every row's problems); a file above
    LEADS_IMPORT_SYNC_MAX_ROWS rows becomes a queued ImportJob (the header is checked first)."""
    csv_file = csv_parse(content=content)
    if len(csv_file.rows) > settings.LEADS_IMPORT_SYNC_MAX_ROWS:
        return import_job_enqueue(
            content=content,
            file_name=file_name,
            actor=actor,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            total_rows=len(csv_file.rows),
        )
    with transaction.atomic():
        job = None
        if not dry_run:
            job = ImportJob.objects.create(
                status=ImportJob.Status.RUNNING,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                file_name=file_name[:255],
                dry_run=False,
                skip_invalid=skip_invalid,
                started_at=timezone.now(),
            )
        outcome = contacts_import(
            csv_file=csv_file, actor=actor, dry_run=dry_run, skip_invalid=skip_invalid, job=job
        )
        if not dry_run and not outcome.applied:
            raise _errors_for(outcome)  # rolls the job back too
        if job is not None:
            _finish(job, outcome, status=ImportJob.Status.DONE)
            _record(job=job, outcome=outcome, actor=actor)
    return outcome


@transaction.atomic
def import_job_enqueue(
    *,
    content: bytes,
    file_name: str,
    actor: AnyUser | None,
    dry_run: bool,
    skip_invalid: bool,
    total_rows: int,
) -> ImportJob:
    from ..tasks import run_contact_import

    job = ImportJob.objects.create(
        status=ImportJob.Status.QUEUED,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        file_name=file_name[:255],
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        total_rows=total_rows,
        content=content,
    )
    activity_record(
        actor=actor,
        action="inquiry.import_queued",
        entity=job,
        after={
            "file_name": job.file_name,
            "total_rows": total_rows,
            "dry_run": dry_run,
            "skip_invalid": skip_invalid,
        },
        only_changes=False,
    )
    enqueue_on_commit(task=run_contact_import, args=[str(job.pk)])
    return job


def _finish(job: ImportJob, outcome: Outcome, *, status: str, error: str = "") -> None:
    for name, value in outcome.counts().items():
        setattr(job, name, value)
    job.report = outcome.report()
    job.status = status
    job.error = error
    job.content = None
    job.finished_at = timezone.now()
    job.save()


def import_job_claim(*, job_id: uuid.UUID | str) -> ImportJob | None:
    """Move a queued job (or one whose worker died: running for longer than the task's time
    limit; its transaction was rolled back) to running. None when there is nothing to do."""
    stale = timezone.now() - timedelta(seconds=settings.LEADS_IMPORT_TASK_TIME_LIMIT)
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, started_at__lt=stale))
        .update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    )
    return ImportJob.objects.filter(pk=job_id).first() if claimed else None


def import_jobs_requeue_stale(*, queued_minutes: int = 10) -> int:
    """Jobs whose task was lost (queued for more than ``queued_minutes``, or running for more
    than the task's time limit) are sent to the workers again; claiming is atomic, so a job
    whose first task turns up after all still runs once."""
    now = timezone.now()
    stale = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(minutes=queued_minutes))
        | Q(
            status=ImportJob.Status.RUNNING,
            started_at__lt=now - timedelta(seconds=settings.LEADS_IMPORT_TASK_TIME_LIMIT),
        )
    ).values_list("pk", flat=True)
    from ..tasks import run_contact_import

    count = 0
    for pk in stale:
        run_contact_import.delay(str(pk))
        count += 1
    return count


def import_job_run(*, job_id: uuid.UUID | str) -> ImportJob | None:
    """The worker's side: import the job's file in one transaction, record the outcome."""
    job = import_job_claim(job_id=job_id)
    if job is None:
        return None
    actor = job.created_by
    try:
        csv_file = csv_parse(content=bytes(job.content or b""))
        with transaction.atomic():
            outcome = contacts_import(
                csv_file=csv_file, actor=actor, dry_run=job.dry_run, skip_invalid=job.skip_invalid, job=job
            )
            if outcome.applied or job.dry_run:
                _finish(job, outcome, status=ImportJob.Status.DONE)
                _record(job=job, outcome=outcome, actor=actor)
                return job
        _finish(
            job,
            outcome,
            status=ImportJob.Status.FAILED,
            error=(
                f"{len(outcome.rejected)} of {outcome.total_rows} row(s) are invalid; nothing was imported. "
                "Fix them, or import with skip_invalid=true to import the valid rows only."
            ),
        )
    except ApplicationError as exc:  # the file itself (encoding, header)
        _fail(job, exc.detail)
    except Exception as exc:
        logger.exception("contact import %s failed", job.pk)
        _fail(job, f"The import failed unexpectedly ({type(exc).__name__}); nothing was imported.")
    return job


def _fail(job: ImportJob, error: str) -> None:
    job.status, job.error, job.content, job.finished_at = ImportJob.Status.FAILED, error, None, timezone.now()
    job.save(update_fields=["status", "error", "content", "finished_at", "updated_at"])
