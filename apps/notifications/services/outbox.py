"""The email outbox: queue (a row in the caller's transaction, its task on commit), send (claim,
deliver through Django's email backend — django-anymail in production — record the outcome),
retry by staff, and the sweeper. See ``delivery`` for the claim/retry rules."""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterable
from email.utils import getaddresses
from typing import TYPE_CHECKING
from uuid import UUID

from anymail.message import AnymailMessage
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.errors import Conflict, PayloadTooLarge
from apps.core.selectors import site_settings_get
from apps.core.services import enqueue_on_commit

from ..models import EmailAttachment, EmailMessage, Suppression
from ..text import without_nul
from . import delivery
from .rendering import RenderedEmail, email_render, one_line

if TYPE_CHECKING:
    from django.core.mail.backends.base import BaseEmailBackend

    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)

# Emails that carry a secret (a one-time link): their context is not stored, their bodies are
# hidden from staff (API, admin) and blanked once sent.
SENSITIVE_TEMPLATES = frozenset({"password_reset", "invitation"})
REDACTED = "(Not kept: this email contained a one-time link.)"
SUPPRESSED_ERROR = "Not sent: every recipient is suppressed (hard bounce, complaint or unsubscribe)."


class EmailNotFailed(Conflict):
    default_code = "invalid_transition"


# --- Addresses -------------------------------------------------------------------------------


def address_of(*, recipient: str) -> str:
    """The lower-cased address of ``"Name <a@b.c>"`` or ``a@b.c``."""
    return (getaddresses([recipient])[0][1] or recipient).strip().lower()


def normalize_recipients(*, to: str | Iterable[str] | None, attr: str = "to") -> list[str]:
    """A string or a list of strings → a de-duplicated list of valid recipients."""
    items = [to] if isinstance(to, str) else list(to or [])
    out, seen = [], set()
    for item in items:
        item = " ".join(str(item).split())
        if not item:
            continue
        address = address_of(recipient=item)
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({attr: f"{item!r} is not a valid email address."}) from exc
        if address not in seen:
            seen.add(address)
            out.append(item)
    if not out:
        raise ValidationError({attr: "At least one recipient is required."})
    return out


def suppressed_among(*, recipients: Iterable[str]) -> set[str]:
    """The (lower-cased) addresses among ``recipients`` that must not be emailed: one query
    for any number of addresses."""
    addresses = sorted({address_of(recipient=r) for r in recipients})
    if not addresses:
        return set()
    return set(Suppression.objects.filter(email__in=addresses).order_by().values_list("email", flat=True))


class _ContextEncoder(DjangoJSONEncoder):
    """Model instances become their primary key; anything else unknown, its text."""

    def default(self, o):
        if isinstance(o, models.Model):
            return str(o.pk)
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _json_context(context: dict) -> dict:
    return without_nul(json.loads(json.dumps(context, cls=_ContextEncoder)))


# --- Queue -----------------------------------------------------------------------------------


def email_create(
    *,
    to: str | list[str],
    template: str,
    context: dict | None = None,
    subject: str | None = None,
    related: models.Model | None = None,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    rendered: RenderedEmail | None = None,
    render_at_send: bool = False,
) -> EmailMessage:
    """Render and store one outbox row (no task: see ``email_queue``). Suppressed recipients
    are listed in ``suppressed_recipients`` and skipped; with none left the row is created
    ``failed`` (with the reason) and is never sent.

    ``render_at_send``: for hot public paths (the inquiry form), the request only stores the
    row; the worker renders the bodies (from the stored context, with the site settings of
    that moment) and checks suppressions when it sends. Taken only when the context is plain
    JSON (it renders the same from the stored copy) and the template keeps no secret."""
    recipients = normalize_recipients(to=to)
    site = site_settings_get()
    stored_context = {} if template in SENSITIVE_TEMPLATES else _json_context(context or {})
    later = (
        render_at_send
        and rendered is None
        and template not in SENSITIVE_TEMPLATES
        and stored_context == (context or {})
    )
    if not later:
        rendered = rendered or email_render(template=template, context=context, subject=subject, site=site)
    files = list(attachments or [])
    total = sum(len(content) for _, content, _ in files)
    if total > settings.EMAIL_MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge(
            f"Attachments of {total} bytes exceed EMAIL_MAX_ATTACHMENT_BYTES "
            f"({settings.EMAIL_MAX_ATTACHMENT_BYTES}).",
            attr="attachments",
        )
    if reply_to:
        reply_to = normalize_recipients(to=reply_to, attr="reply_to")
    else:
        reply_to = [site.support_email] if site.support_email else []
    message = EmailMessage(
        to=recipients,
        from_email=without_nul(from_email or settings.DEFAULT_FROM_EMAIL),
        reply_to=reply_to,
        template=template,
        context=stored_context,
        next_attempt_at=timezone.now(),
    )
    if rendered is None:  # later: rendered, and suppressions checked, by the worker when it sends
        message.subject = without_nul(one_line(value=subject)) if subject else ""
    else:
        # Text quoted from other apps' data may hold NUL characters: PostgreSQL cannot store them.
        message.subject = without_nul(rendered.subject)
        message.body_text = without_nul(rendered.text)
        message.body_html = without_nul(rendered.html)
        suppressed = suppressed_among(recipients=recipients)
        message.suppressed_recipients = [r for r in recipients if address_of(recipient=r) in suppressed]
        if len(message.suppressed_recipients) == len(recipients):
            message.status = EmailMessage.Status.FAILED
            message.error_message = SUPPRESSED_ERROR
    if related is not None:
        message.related_content_type = ContentType.objects.get_for_model(related)
        message.related_object_id = str(related.pk)
    message.save()
    if files:
        EmailAttachment.objects.bulk_create(
            EmailAttachment(
                email=message, filename=name, content=content, mimetype=mimetype, size=len(content)
            )
            for name, content, mimetype in files
        )
    return message


def _render_if_needed(message: EmailMessage) -> None:
    """A row queued with ``render_at_send``: render it now (bodies, and the subject if none was
    given) and keep what was rendered on the row."""
    if message.body_text or not message.template or message.template in SENSITIVE_TEMPLATES:
        return
    rendered = email_render(
        template=message.template, context=message.context, subject=message.subject or None
    )
    message.subject = without_nul(rendered.subject)
    message.body_text = without_nul(rendered.text)
    message.body_html = without_nul(rendered.html)
    EmailMessage.objects.filter(pk=message.pk).update(
        subject=message.subject, body_text=message.body_text, body_html=message.body_html
    )


EMAIL_TASK_BATCH = 50  # outbox rows per send task at most


class _SendOnCommit:
    """The outbox rows queued in one transaction, handed to the worker in ONE task when it
    commits (a public inquiry queues two emails: one broker message, not two). Rows join a
    batch registered at the same savepoint only, so the batch stands or falls with them."""

    def __init__(self):
        self.ids: list[str] = []

    def __call__(self):
        from ..tasks import send_email_message, send_email_messages

        if len(self.ids) == 1:
            send_email_message.delay(self.ids[0])
        else:
            send_email_messages.delay(self.ids)


def _send_on_commit(message_id: str) -> None:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        for savepoints, callback, _robust in reversed(connection.run_on_commit):
            # Only a batch of the same (save)point: it commits or rolls back with this row.
            if isinstance(callback, _SendOnCommit) and savepoints == current:
                if len(callback.ids) < EMAIL_TASK_BATCH:  # else a new batch: tasks stay short
                    callback.ids.append(message_id)
                    return
                break
    batch = _SendOnCommit()
    batch.ids.append(message_id)
    transaction.on_commit(batch)  # outside a transaction: at once


def email_queue(
    *,
    to: str | list[str],
    template: str,
    context: dict | None = None,
    subject: str | None = None,
    related: models.Model | None = None,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    rendered: RenderedEmail | None = None,
    render_at_send: bool = False,
) -> EmailMessage:
    """``email_create`` + sending, enqueued when the caller's transaction commits (with the
    other emails of the same transaction, in one task)."""
    message = email_create(
        to=to,
        template=template,
        context=context,
        subject=subject,
        related=related,
        reply_to=reply_to,
        from_email=from_email,
        attachments=attachments,
        rendered=rendered,
        render_at_send=render_at_send,
    )
    if message.status == EmailMessage.Status.PENDING:
        _send_on_commit(str(message.pk))
    return message


# --- Send ------------------------------------------------------------------------------------


def is_permanent_error(*, exc: BaseException) -> bool:
    """Errors that another attempt cannot fix: the message or its recipients are refused.
    Everything else (timeouts, connection errors, 5xx, 429, an expired key) is retried."""
    from anymail.exceptions import (
        AnymailAPIError,
        AnymailInvalidAddress,
        AnymailRecipientsRefused,
        AnymailSerializationError,
        AnymailUnsupportedFeature,
    )

    if isinstance(
        exc,
        (
            AnymailRecipientsRefused,
            AnymailInvalidAddress,
            AnymailUnsupportedFeature,
            AnymailSerializationError,
            BadHeaderError,
            smtplib.SMTPRecipientsRefused,
        ),
    ):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return bool(status and 400 <= status < 500 and status not in (401, 403, 408, 409, 429))
    return False


def _provider_message_id(email) -> str:
    status = getattr(email, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    if isinstance(message_id, (set, frozenset, list, tuple)):
        message_id = sorted(str(m) for m in message_id if m)[0] if message_id else None
    return "" if message_id in (None, "") else str(message_id)[:255]


def _deliver(message: EmailMessage, recipients: list[str], connection=None) -> str:
    # EmailMultiAlternatives with django-anymail's attributes declared (other backends ignore them).
    email = AnymailMessage(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=recipients,
        reply_to=message.reply_to or None,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    # django-anymail: the outbox id comes back in the ESP's webhooks; other backends ignore it.
    email.metadata = {"email_id": str(message.pk)}
    if message.template:
        email.tags = [message.template]
    email.send(fail_silently=False)
    return _provider_message_id(email)


def email_send(
    *,
    message_id: UUID | str,
    connection: BaseEmailBackend | None = None,
    check_broadcast: bool = True,
    retry_of: int | None = None,
) -> str:
    """Claim and send one outbox row. Returns "sent", "retry", "failed" or "skipped" (nothing
    to claim: sent already, being sent, or not due — see ``delivery.claim`` for ``retry_of``)."""
    from ..tasks import send_email_message

    if not delivery.claim(model=EmailMessage, pk=message_id, retry_of=retry_of):
        return "skipped"
    message = EmailMessage.objects.get(pk=message_id)
    attempt = message.attempts
    try:
        _render_if_needed(message)
    except Exception as exc:  # noqa: BLE001 - a template that cannot render never will
        delivery.finish(
            obj=message,
            attempt=attempt,
            status=EmailMessage.Status.FAILED,
            error_message=f"Could not render the email: {delivery.error_text(exc=exc)}",
        )
        return "failed"
    suppressed = suppressed_among(recipients=message.to)
    recipients = [r for r in message.to if address_of(recipient=r) not in suppressed]
    skipped = [r for r in message.to if address_of(recipient=r) in suppressed]
    if not recipients:
        delivery.finish(
            obj=message,
            attempt=attempt,
            status=EmailMessage.Status.FAILED,
            error_message=SUPPRESSED_ERROR,
            suppressed_recipients=skipped,
        )
        outcome = "failed"
    else:
        try:
            provider_id = _deliver(message, recipients, connection)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded; permanent ones stop
            outcome = delivery.fail_or_retry(
                obj=message,
                attempt=attempt,
                error=delivery.error_text(exc=exc),
                permanent=is_permanent_error(exc=exc),
                max_attempts=settings.EMAIL_MAX_ATTEMPTS,
                task=send_email_message,
            )
        else:
            fields = {
                "status": EmailMessage.Status.SENT,
                "sent_at": timezone.now(),
                "provider_message_id": provider_id,
                "error_message": "",
                "suppressed_recipients": skipped,
            }
            if message.template in SENSITIVE_TEMPLATES:
                fields.update(body_text=REDACTED, body_html="")
            delivery.finish(obj=message, attempt=attempt, **fields)
            outcome = "sent"
    if check_broadcast and outcome != "retry" and message.related_content_type_id:
        from .broadcasts import broadcast_finish_if_done, is_broadcast_message

        if is_broadcast_message(message=message):
            broadcast_finish_if_done(broadcast_id=message.related_object_id)
    return outcome


# --- Staff retry -----------------------------------------------------------------------------


@transaction.atomic
def email_retry(*, message: EmailMessage, actor: AnyUser | None = None) -> EmailMessage:
    """A ``failed`` email back to ``pending`` with a fresh set of attempts, sent on commit.
    Any other status: 409 (``invalid_transition``)."""
    from ..tasks import send_email_message

    now = timezone.now()
    before = {"status": message.status, "attempts": message.attempts}
    updated = EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.FAILED).update(
        status=EmailMessage.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    message.refresh_from_db()
    if not updated:
        shown = "being sent" if message.status == EmailMessage.Status.SENDING else message.status
        raise EmailNotFailed(f"Only a failed email can be retried; this one is {shown}.", attr="status")
    activity_record(
        actor=actor,
        action="email.retry",
        entity=message,
        before=before,
        after={"status": message.status, "attempts": message.attempts},
    )
    enqueue_on_commit(task=send_email_message, args=[str(message.pk)])
    return message


# --- Sweeper ---------------------------------------------------------------------------------


def outbox_sweep() -> dict:
    """Beat: lost and stale emails and SMS re-queued, stalled broadcasts resumed."""
    from ..models import SmsMessage
    from ..tasks import send_email_message, send_sms_message
    from .broadcasts import broadcasts_resume_stalled

    emails = delivery.sweep(
        model=EmailMessage, task=send_email_message, max_attempts=settings.EMAIL_MAX_ATTEMPTS
    )
    sms = delivery.sweep(model=SmsMessage, task=send_sms_message, max_attempts=settings.SMS_MAX_ATTEMPTS)
    return {
        "emails_requeued": emails.requeued,
        "emails_recovered": emails.recovered,
        "emails_failed": emails.failed,
        "sms_requeued": sms.requeued,
        "sms_recovered": sms.recovered,
        "sms_failed": sms.failed,
        "broadcasts_resumed": broadcasts_resume_stalled(),
    }
