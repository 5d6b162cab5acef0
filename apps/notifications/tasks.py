"""Notification tasks: they take ids, re-fetch, and let the services' claims decide (a
duplicate delivery of a task does nothing)."""

import logging

from celery import shared_task

from .services import broadcasts, outbox, sms

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_email_message", ignore_result=True)
def send_email_message(message_id: str, retry_of: int | None = None) -> str:
    """Send one outbox email (claimed first, once due; retries are scheduled by the service
    with ``retry_of``, the attempt they follow)."""
    return outbox.email_send(message_id=message_id, retry_of=retry_of)


@shared_task(name="notifications.send_email_messages", ignore_result=True)
def send_email_messages(message_ids: list[str]) -> list[str]:
    """Send the outbox emails one transaction queued (one task for all: one broker message
    per business change). Each is claimed and retried on its own, as ``send_email_message``."""
    return [outbox.email_send(message_id=message_id) for message_id in message_ids]


@shared_task(name="notifications.send_sms_message", ignore_result=True)
def send_sms_message(message_id: str, retry_of: int | None = None) -> str:
    return sms.sms_send(message_id=message_id, retry_of=retry_of)


@shared_task(name="notifications.start_broadcast", ignore_result=True)
def start_broadcast(broadcast_id: str) -> int:
    """Resolve a broadcast's audience and enqueue its batches (once: the start is claimed)."""
    return broadcasts.broadcast_start(broadcast_id=broadcast_id)


@shared_task(name="notifications.send_broadcast_batch", ignore_result=True)
def send_broadcast_batch(broadcast_id: str, recipient_ids: list[str]) -> dict:
    return broadcasts.broadcast_batch_send(broadcast_id=broadcast_id, recipient_ids=recipient_ids)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    """Every 5 minutes (beat): re-queue lost pending emails/SMS, recover stale sending ones,
    resume stalled broadcasts. Safe when two run at once (rows taken with SKIP LOCKED)."""
    result = outbox.outbox_sweep()
    if any(result.values()):
        logger.info("outbox sweep: %s", result)
    return result
