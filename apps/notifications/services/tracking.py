"""ESP delivery tracking (django-anymail's ``tracking`` signal, from the webhook views) and the
suppression list. An event finds its outbox row by the provider's message id (or by the outbox
id sent as anymail metadata); the row's ``delivery_status`` only moves forward
(delivered < bounced < complained), so replayed or out-of-order events are harmless. A hard
bounce, a spam complaint or an unsubscribe adds the address to ``Suppression``; nothing is
emailed to it afterwards (queue, send and broadcasts all check).

The ESP's text is read without NUL characters (PostgreSQL cannot store or compare them), and an
address longer than an address can be is not suppressed: a signed event is applied, not lost."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from anymail.signals import EventType, RejectReason
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.activity import activity_record

from ..models import EmailMessage, Suppression
from ..text import without_nul
from .outbox import address_of

if TYPE_CHECKING:
    from anymail.signals import AnymailTrackingEvent

    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)

Delivery = EmailMessage.DeliveryStatus
MAX_ADDRESS_LENGTH = cast(int, Suppression._meta.get_field("email").max_length)  # the column sets one
RANK: dict[str, int] = {
    Delivery.UNKNOWN: 0,
    Delivery.DELIVERED: 1,
    Delivery.BOUNCED: 2,
    Delivery.COMPLAINED: 3,
}
SOFT_BOUNCE_MARKERS = {"transient", "softbounce", "undetermined"}
REJECT_SUPPRESSION = {
    RejectReason.INVALID: Suppression.Reason.HARD_BOUNCE,
    RejectReason.BOUNCED: Suppression.Reason.HARD_BOUNCE,
    RejectReason.SPAM: Suppression.Reason.COMPLAINT,
    RejectReason.UNSUBSCRIBED: Suppression.Reason.UNSUBSCRIBED,
}


def _is_soft_bounce(event) -> bool:
    """Anymail reports some temporary bounces as ``bounced``; the raw ESP event tells (Resend
    and SES: bounce type Transient/Undetermined; Postmark: SoftBounce)."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    data = raw.get("data")
    if not isinstance(data, dict):
        data = raw
    bounce = data.get("bounce")
    if not isinstance(bounce, dict):
        bounce = {}
    kind = bounce.get("type") or bounce.get("bounceType") or raw.get("Type") or ""
    return str(kind).replace(" ", "").lower() in SOFT_BOUNCE_MARKERS


def _classify(event) -> tuple[str | None, str | None]:
    """(new delivery status or None, suppression reason or None)."""
    kind = event.event_type
    if kind == EventType.DELIVERED:
        return Delivery.DELIVERED, None
    if kind == EventType.COMPLAINED:
        return Delivery.COMPLAINED, Suppression.Reason.COMPLAINT
    if kind == EventType.UNSUBSCRIBED:
        return None, Suppression.Reason.UNSUBSCRIBED
    if kind == EventType.BOUNCED:
        if _is_soft_bounce(event):
            return None, None
        return Delivery.BOUNCED, Suppression.Reason.HARD_BOUNCE
    if kind == EventType.REJECTED:
        reason = REJECT_SUPPRESSION.get(event.reject_reason)
        return (Delivery.BOUNCED if reason else None), reason
    return None, None


def _text(value) -> str:
    """An ESP's value as text without NUL characters ("" for none)."""
    return without_nul(str(value)) if value is not None else ""


def _find_message(event) -> EmailMessage | None:
    message_id = _text(event.message_id)
    if message_id:
        message = EmailMessage.objects.filter(provider_message_id=message_id).first()
        if message is not None:
            return message
    outbox_id = (event.metadata or {}).get("email_id") if isinstance(event.metadata, dict) else None
    outbox_id = _text(outbox_id)
    if outbox_id:
        try:
            return EmailMessage.objects.filter(pk=outbox_id).first()
        except (ValueError, TypeError, ValidationError):
            return None
    return None


def _detail(event) -> str:
    parts = [_text(p) for p in (event.reject_reason, event.description, event.mta_response) if p]
    return " — ".join(parts)[:500]


@transaction.atomic
def suppression_add(
    *,
    email: str,
    reason: str,
    source: str = "",
    detail: str = "",
    email_message: EmailMessage | None = None,
    actor: AnyUser | None = None,
) -> Suppression:
    """Suppress an address (idempotent: an existing entry is kept as it is)."""
    suppression, created = Suppression.objects.get_or_create(
        email=address_of(recipient=email),
        defaults={
            "reason": reason,
            "source": source[:50],
            "detail": detail[:500],
            "email_message": email_message,
        },
    )
    if created and actor is not None:
        activity_record(
            actor=actor,
            action="suppression.add",
            entity=suppression,
            after={"email": suppression.email, "reason": reason},
            only_changes=False,
        )
    return suppression


@transaction.atomic
def tracking_event_apply(*, event: AnymailTrackingEvent, esp_name: str) -> str:
    """Apply one normalized anymail tracking event. Returns what it did (for logs and tests)."""
    status, suppress = _classify(event)
    message = _find_message(event)
    now = timezone.now()
    outcome = []
    if message is not None and status is not None:
        message = EmailMessage.objects.select_for_update().get(pk=message.pk)
        if RANK[status] > RANK.get(message.delivery_status, 0):
            EmailMessage.objects.filter(pk=message.pk).update(
                delivery_status=status,
                delivery_detail=_detail(event),
                delivery_updated_at=now,
                updated_at=now,
            )
            outcome.append(status)
    only_recipient = message.to[0] if message is not None and len(message.to) == 1 else ""
    recipient = _text(event.recipient) or only_recipient
    if suppress and recipient and len(address_of(recipient=recipient)) <= MAX_ADDRESS_LENGTH:
        suppression_add(
            email=recipient, reason=suppress, source=esp_name, detail=_detail(event), email_message=message
        )
        outcome.append(f"suppressed:{suppress}")
    if message is None and (status or suppress):
        logger.info("%s %s event for an unknown message %r", esp_name, event.event_type, event.message_id)
    return ",".join(outcome) or "ignored"
