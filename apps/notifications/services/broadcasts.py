"""Broadcasts: one message to an audience (``all_customers`` or ``role:<name>``), resolved when
sending starts, then sent in batches of ``BROADCAST_BATCH_SIZE`` recipients per task. Each
recipient gets its own outbox row (so retries, delivery tracking and suppression work per
address), and a failure for one address never stops the others. Progress is counted from the
rows themselves, so it is exact whatever order batches and retries finish in."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.roles import ALL_ROLES, CUSTOMER
from apps.core.services import enqueue_on_commit

from ..models import Broadcast, BroadcastRecipient, EmailMessage
from ..selectors import role_emails
from ..text import NUL_MESSAGE, has_nul
from .outbox import address_of, email_create, email_send, suppressed_among
from .rendering import email_render

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)

ALL_CUSTOMERS = "all_customers"
ROLE_PREFIX = "role:"
OPEN_STATUSES = (EmailMessage.Status.PENDING, EmailMessage.Status.SENDING)


def audience_validate(*, audience: str) -> str:
    audience = (audience or "").strip()
    if audience == ALL_CUSTOMERS:
        return audience
    if audience.startswith(ROLE_PREFIX) and audience[len(ROLE_PREFIX) :] in ALL_ROLES:
        return audience
    raise ValidationError(
        {"audience": f"Use {ALL_CUSTOMERS} or {ROLE_PREFIX}<name> with one of: {', '.join(ALL_ROLES)}."}
    )


def audience_emails(*, audience: str) -> list[str]:
    """The audience's addresses now: active users of the role (customers for all_customers)."""
    audience = audience_validate(audience=audience)
    role = CUSTOMER if audience == ALL_CUSTOMERS else audience[len(ROLE_PREFIX) :]
    return role_emails(role=role)


@transaction.atomic
def broadcast_create(*, subject: str, body: str, audience: str, actor: AnyUser | None = None) -> Broadcast:
    errors: dict[str, ValidationError | str | list[str]] = {}
    for name, value in (("subject", subject), ("body", body)):
        if has_nul(value):
            errors[name] = ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
    subject = " ".join((subject or "").split())
    if not subject and "subject" not in errors:
        errors["subject"] = "A subject is required."
    if not (body or "").strip() and "body" not in errors:
        errors["body"] = "A body is required."
    try:
        audience = audience_validate(audience=audience)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    broadcast = Broadcast.objects.create(
        subject=subject[:200],
        body=body.strip(),
        audience=audience,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    activity_record(
        actor=actor,
        action="broadcast.create",
        entity=broadcast,
        after={"subject": broadcast.subject, "audience": audience},
        only_changes=False,
    )
    from ..tasks import start_broadcast

    enqueue_on_commit(task=start_broadcast, args=[str(broadcast.pk)])
    return broadcast


def _enqueue_batches(broadcast_id, recipient_ids) -> int:
    from ..tasks import send_broadcast_batch

    size = max(1, settings.BROADCAST_BATCH_SIZE)
    ids = [str(pk) for pk in recipient_ids]
    for start in range(0, len(ids), size):
        enqueue_on_commit(task=send_broadcast_batch, args=[str(broadcast_id), ids[start : start + size]])
    return -(-len(ids) // size)


@transaction.atomic
def broadcast_start(*, broadcast_id: UUID | str) -> int:
    """Resolve the audience (suppressed addresses skipped), store the recipients and enqueue
    their batches. Returns the number of batches; 0 when another run already started it."""
    now = timezone.now()
    if not Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.QUEUED).update(
        status=Broadcast.Status.SENDING, started_at=now, updated_at=now
    ):
        return 0
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    emails = audience_emails(audience=broadcast.audience)
    suppressed = suppressed_among(recipients=emails)
    rows = []
    for email in emails:
        if address_of(recipient=email) in suppressed:
            continue
        try:
            validate_email(email)
            error = ""
        except ValidationError:
            error = "Not a valid email address."
        rows.append(BroadcastRecipient(broadcast=broadcast, email=email, error=error))
    BroadcastRecipient.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    Broadcast.objects.filter(pk=broadcast.pk).update(total=len(rows), skipped=len(emails) - len(rows))
    pending = list(
        BroadcastRecipient.objects.filter(broadcast=broadcast, error="", email_message__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    batches = _enqueue_batches(broadcast.pk, pending)
    if not pending:
        broadcast_finish_if_done(broadcast_id=broadcast.pk)
    logger.info(
        "broadcast %s: %s recipient(s), %s suppressed, %s batch(es)",
        broadcast.pk,
        len(rows),
        len(emails) - len(rows),
        batches,
    )
    return batches


def broadcast_batch_send(*, broadcast_id: UUID | str, recipient_ids: list[str]) -> dict:
    """Create the outbox rows of these recipients (those not done by an earlier run of the
    same batch) and send each over one connection. Returns the outcomes counted."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.status != Broadcast.Status.SENDING:
        return {}
    rendered = email_render(
        template="broadcast",
        context={"subject": broadcast.subject, "body": broadcast.body},
        subject=broadcast.subject,
    )
    outcomes: Counter[str] = Counter()
    with transaction.atomic():
        recipients = list(
            BroadcastRecipient.objects.filter(
                broadcast=broadcast, pk__in=recipient_ids, error="", email_message__isnull=True
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        for recipient in recipients:
            try:
                recipient.email_message = email_create(
                    to=recipient.email,
                    template="broadcast",
                    context={"broadcast": str(broadcast.pk)},
                    related=broadcast,
                    rendered=rendered,
                )
            except ValidationError as exc:
                recipient.error = "; ".join(exc.messages)[:500]
                outcomes["failed"] += 1
        BroadcastRecipient.objects.bulk_update(recipients, ["email_message", "error"])
    # Only rows that are due: a batch run again must not retry rows still in their backoff
    # (their own retry task sends them when it is time).
    message_ids = list(
        EmailMessage.objects.filter(
            broadcast_recipient__broadcast=broadcast,
            broadcast_recipient__pk__in=recipient_ids,
            status=EmailMessage.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    connection = get_connection()
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - each send then connects (and fails, and retries) on its own
        logger.exception("broadcast %s: could not open the email connection", broadcast.pk)
    try:
        for pk in message_ids:
            outcomes[email_send(message_id=pk, connection=connection, check_broadcast=False)] += 1
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001
            logger.exception("broadcast %s: closing the email connection failed", broadcast.pk)
    Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=timezone.now())
    broadcast_finish_if_done(broadcast_id=broadcast.pk)
    return dict(outcomes)


def is_broadcast_message(*, message: EmailMessage) -> bool:
    return message.related_content_type_id == ContentType.objects.get_for_model(Broadcast).pk


def broadcast_finish_if_done(*, broadcast_id: UUID | str) -> bool:
    """``sending -> done`` once every recipient's email is sent or failed (for good)."""
    still_open = BroadcastRecipient.objects.filter(broadcast_id=broadcast_id).filter(
        Q(error="", email_message__isnull=True) | Q(email_message__status__in=OPEN_STATUSES)
    )
    if still_open.exists():
        return False
    now = timezone.now()
    return bool(
        Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.SENDING).update(
            status=Broadcast.Status.DONE, finished_at=now, updated_at=now
        )
    )


def broadcasts_resume_stalled() -> int:
    """Sweeper: a broadcast with no progress for BROADCAST_STALL_MINUTES gets its start task or
    its unsent batches again (a task was lost). Duplicates are harmless: batches lock their
    recipients and the outbox claims each row."""
    from ..tasks import start_broadcast

    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.BROADCAST_STALL_MINUTES)
    resumed = 0
    stalled = (
        Broadcast.objects.filter(
            status__in=[Broadcast.Status.QUEUED, Broadcast.Status.SENDING], updated_at__lt=cutoff
        )
        .order_by("updated_at")
        .values_list("pk", "status")[:50]
    )
    for pk, status in stalled:
        with transaction.atomic():
            # Whoever moves updated_at on owns this resume (two sweepers: one wins).
            if not Broadcast.objects.filter(pk=pk, status=status, updated_at__lt=cutoff).update(
                updated_at=now
            ):
                continue
            if status == Broadcast.Status.QUEUED:
                enqueue_on_commit(task=start_broadcast, args=[str(pk)])
                resumed += 1
                continue
            unsent = list(
                BroadcastRecipient.objects.filter(broadcast_id=pk, error="", email_message__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if unsent:
                _enqueue_batches(pk, unsent)
                resumed += 1
            else:
                broadcast_finish_if_done(broadcast_id=pk)
    return resumed
