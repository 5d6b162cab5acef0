"""SMS and WhatsApp: a row per message (in the caller's transaction), sent by a task through
the configured channel with the outbox's claim and retry rules (``delivery``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.services import enqueue_on_commit

from .. import channels
from ..models import NotificationPreference, SmsMessage
from ..text import without_nul
from . import delivery

if TYPE_CHECKING:
    from apps.accounts.api import User

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 1600  # Twilio's limit for one message (it splits into segments itself)


def sms_queue(
    *, body: str, to: str | None = None, user: User | None = None, channel: str = "sms"
) -> SmsMessage | None:
    """Queue one text message. With ``user``: to the user's phone, and only if the user opted
    in to that channel (None otherwise: nothing queued). With ``to``: to that number as given
    (operational messages). The number must be E.164 (+<country><number>)."""
    if channel not in SmsMessage.Channel.values:
        raise ValidationError({"channel": f"Use one of: {', '.join(SmsMessage.Channel.values)}."})
    body = without_nul(body or "").strip()
    if not body:
        raise ValidationError({"body": "A message body is required."})
    if len(body) > SMS_MAX_LENGTH:
        raise ValidationError({"body": f"At most {SMS_MAX_LENGTH} characters."})
    if user is not None and to is None:
        preference = NotificationPreference.objects.filter(user=user).first()
        opted_in = bool(preference and getattr(preference, f"{channel}_opt_in"))
        phone = channels.normalize_phone(user.phone)
        if not opted_in or phone is None:
            logger.info(
                "no %s to user %s: opted in=%s, usable phone=%s", channel, user.pk, opted_in, bool(phone)
            )
            return None
    else:
        phone = channels.normalize_phone(to or "")
        if phone is None:
            raise ValidationError({"to": "Use an E.164 phone number, e.g. +2348012345678."})
    message = SmsMessage.objects.create(
        channel=channel, to=phone, body=body, user=user, next_attempt_at=timezone.now()
    )
    from ..tasks import send_sms_message

    enqueue_on_commit(task=send_sms_message, args=[str(message.pk)])
    return message


def sms_send(*, message_id: UUID | str, retry_of: int | None = None) -> str:
    """Claim and send one text message: "sent", "retry", "failed" or "skipped" (nothing to claim,
    or not due yet)."""
    from ..tasks import send_sms_message

    if not delivery.claim(model=SmsMessage, pk=message_id, retry_of=retry_of):
        return "skipped"
    message = SmsMessage.objects.get(pk=message_id)
    attempt = message.attempts
    channel = channels.get_channel()
    try:
        provider_id = channel.send(to=message.to, body=message.body, channel=message.channel)
    except Exception as exc:  # noqa: BLE001 - recorded; SmsError says whether to retry
        permanent = isinstance(exc, channels.SmsError) and exc.permanent
        return delivery.fail_or_retry(
            obj=message,
            attempt=attempt,
            error=delivery.error_text(exc=exc),
            permanent=permanent,
            max_attempts=settings.SMS_MAX_ATTEMPTS,
            task=send_sms_message,
        )
    delivery.finish(
        obj=message,
        attempt=attempt,
        status=SmsMessage.Status.SENT,
        sent_at=timezone.now(),
        provider=channel.name,
        provider_message_id=str(provider_id)[:64],
        error_message="",
    )
    return "sent"
