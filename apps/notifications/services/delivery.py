"""The delivery machinery the email outbox and the SMS queue share.

A row is sent by whoever *claims* it: one conditional UPDATE ``pending -> sending`` that also
counts the attempt, and only once the row is due (``next_attempt_at <= now``). A duplicate task
(a redelivered message, a sweeper re-queue racing the original, a broadcast batch run again)
finds nothing to claim and returns, so a row is never sent twice — and a row waiting out its
backoff is not retried early. New rows are due at once (``next_attempt_at`` is their creation
time), so a first attempt goes out as soon as its task runs. The one task allowed to claim a row
before it is due is the retry that ``fail_or_retry`` scheduled for it: it carries the attempt it
follows (``retry_of``), and a redelivered copy of an older task no longer matches. After the attempt,
the outcome is written only if the row is still in the claimed attempt (``status=sending`` and
the same ``attempts``). Failures go back to ``pending`` with ``next_attempt_at`` pushed out by
exponential backoff with jitter, and a task is scheduled for then; after the last attempt, or on
a permanent error, the row is ``failed``.

The sweeper (beat, every few minutes) re-queues ``pending`` rows that have been due for a while
(their task was lost: broker restart, enqueue failure) and recovers ``sending`` rows whose worker
died (older than the sending timeout, which is longer than Celery's hard time limit, so the
worker that claimed them can no longer be running). Rows are taken with ``SKIP LOCKED`` and
their due time is moved on inside the same transaction, so two sweepers never pick the same row.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.services import enqueue_on_commit

from ..models import EmailMessage, OutboxStatus, SmsMessage

if TYPE_CHECKING:
    from celery import Task
    from celery.canvas import Signature

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = (
    OutboxStatus.PENDING,
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
)
ERROR_MAX_LENGTH = 2000


def error_text(*, exc: BaseException) -> str:
    try:
        detail = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the failure itself
        detail = repr(exc.args)
    return f"{type(exc).__name__}: {detail}"[:ERROR_MAX_LENGTH]


def backoff_seconds(*, attempt: int) -> int:
    """Delay before attempt ``attempt + 1``: base * 2^(attempt-1), capped, with "equal jitter"
    (a random point in the upper half), so failed rows do not retry in lock step."""
    base = settings.EMAIL_RETRY_BACKOFF_SECONDS
    cap = settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return max(1, round(random.uniform(delay / 2, delay)))  # noqa: S311 (jitter, not security)


def claim(
    *, model: type[EmailMessage] | type[SmsMessage], pk: UUID | str, retry_of: int | None = None
) -> bool:
    """``pending -> sending`` and ``attempts + 1`` in one conditional UPDATE (autocommitted
    when called outside a transaction, as tasks do), if the row is due (``next_attempt_at`` has
    come) — or, for the retry task ``fail_or_retry`` scheduled after attempt ``retry_of``, if
    that is still the row's last attempt (its countdown was the backoff; a worker clock a little
    ahead must not make it skip). False: someone else has it, it is done, or not due yet."""
    now = timezone.now()
    due = Q(next_attempt_at__lte=now)
    if retry_of is not None:
        due |= Q(attempts=retry_of)
    return bool(
        model.objects.filter(due, pk=pk, status=PENDING).update(
            status=SENDING, attempts=F("attempts") + 1, last_attempt_at=now, updated_at=now
        )
    )


def finish(*, obj: EmailMessage | SmsMessage, attempt: int, **fields: Any) -> bool:
    """Write the outcome of the claimed attempt; False if the row moved on meanwhile."""
    fields["updated_at"] = timezone.now()
    done = bool(type(obj).objects.filter(pk=obj.pk, status=SENDING, attempts=attempt).update(**fields))
    if done:
        for name, value in fields.items():
            setattr(obj, name, value)
    else:
        logger.warning("%s %s: attempt %s finished after the row moved on", obj._meta.label, obj.pk, attempt)
    return done


def schedule(*, task: Task | Signature, pk: UUID | str, countdown: int | None = None) -> None:
    """Send the task (or a partial signature of it) now (not on commit: the row's state is
    already committed). If the broker is unreachable the row stays ``pending`` and the sweeper
    re-queues it later."""
    try:
        task.apply_async((str(pk),), countdown=countdown)
    except Exception:  # noqa: BLE001 - any broker error: the sweeper is the safety net
        logger.exception("could not enqueue %s for %s; the sweeper will retry", task.name, pk)


def fail_or_retry(
    *,
    obj: EmailMessage | SmsMessage,
    attempt: int,
    error: str,
    permanent: bool,
    max_attempts: int,
    task: Task,
) -> str:
    """After a failed attempt: ``failed`` (permanent error or attempts used up) or back to
    ``pending`` with a backoff, and a task scheduled for then. Returns "failed" or "retry"."""
    if permanent or attempt >= max_attempts:
        finish(obj=obj, attempt=attempt, status=FAILED, error_message=error)
        logger.warning("%s %s failed after %s attempt(s): %s", obj._meta.label, obj.pk, attempt, error)
        return "failed"
    delay = backoff_seconds(attempt=attempt)
    if finish(
        obj=obj,
        attempt=attempt,
        status=PENDING,
        error_message=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    ):
        logger.info(
            "%s %s: attempt %s failed (%s); retry in %ss", obj._meta.label, obj.pk, attempt, error, delay
        )
        # The retry carries the attempt it follows, so it may claim the row at its own time.
        schedule(task=task.s(retry_of=attempt), pk=obj.pk, countdown=delay)
    return "retry"


@dataclass
class SweepResult:
    requeued: int = 0
    recovered: int = 0
    failed: int = 0


def sweep(
    *,
    model: type[EmailMessage] | type[SmsMessage],
    task: Task,
    max_attempts: int,
    now: datetime | None = None,
) -> SweepResult:
    """Re-queue lost ``pending`` rows and recover stale ``sending`` ones (see the module doc)."""
    now = now or timezone.now()
    batch = settings.EMAIL_SWEEP_BATCH_SIZE
    result = SweepResult()
    lost_before = now - timedelta(minutes=settings.EMAIL_LOST_TASK_MINUTES)
    stale_before = now - timedelta(seconds=settings.EMAIL_SENDING_TIMEOUT_SECONDS)

    with transaction.atomic():
        ids = list(
            model.objects.filter(status=PENDING, next_attempt_at__lte=lost_before)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            # Due "now": another sweeper running at the same moment no longer sees them as lost.
            result.requeued = model.objects.filter(pk__in=ids, status=PENDING).update(
                next_attempt_at=now, updated_at=now
            )
            for pk in ids:
                enqueue_on_commit(task=task, args=[str(pk)])

    with transaction.atomic():
        stale = list(
            model.objects.filter(status=SENDING, last_attempt_at__lt=stale_before)
            .order_by("last_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")[:batch]
        )
        for pk, attempts in stale:
            note = (
                f"The worker stopped during attempt {attempts} (no result within "
                f"{settings.EMAIL_SENDING_TIMEOUT_SECONDS}s)."
            )
            rows = model.objects.filter(pk=pk, status=SENDING, attempts=attempts)
            if attempts >= max_attempts:
                result.failed += rows.update(status=FAILED, error_message=note, updated_at=now)
            elif rows.update(status=PENDING, error_message=note, next_attempt_at=now, updated_at=now):
                result.recovered += 1
                enqueue_on_commit(task=task, args=[str(pk)])
    return result
