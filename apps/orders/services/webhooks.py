"""Provider webhooks: store every verified event, then process each (provider, event id)
exactly once, in a Celery task, with the event row locked and the effects in the same
transaction as the mark that it was processed."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.services import enqueue_on_commit

from ..models import Payment, WebhookEvent
from ..pricing import from_minor_units
from . import payment_events

logger = logging.getLogger(__name__)

STRIPE_LIKE = payment_events.STRIPE_LIKE
PAYSTACK = (Payment.Provider.PAYSTACK,)


def storable(*, value: Any) -> Any:
    """``value`` (decoded JSON) as every database stores it: PostgreSQL refuses NUL characters
    and lone UTF-16 surrogates in text and JSON, so they are kept as escape text (``\\u0000``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in the JSON)
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {storable(value=k): storable(value=v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(value=v) for v in value]
    return value


def _bounded(text: str, limit: int | None) -> str:
    """``text`` made storable and at most ``limit`` characters (a field's ``max_length``; None:
    unbounded); a longer one keeps its start and a digest of the whole, so two long ids stay two."""
    text = storable(value=text)
    if limit is None or len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{text[: limit - len(digest) - 1]}~{digest}"


def webhook_store(
    *, provider: str, event_id: str, type: str, payload: dict, rejected: str = ""
) -> tuple[WebhookEvent, bool]:
    """Store the event (once per provider and id) and queue its processing after commit.
    Returns (event, created): a repeated delivery is stored once and queued once.

    ``rejected``: why the event cannot be processed (its payload does not match what the
    processing reads); it is stored as rejected with that reason, for the admin, and never
    queued. Ids, types and payloads are stored as the database can hold them (NUL escaped,
    bounded)."""
    from ..tasks import process_webhook_event

    event_id = _bounded(event_id, WebhookEvent._meta.get_field("event_id").max_length)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                event_id=event_id,
                type=_bounded(type, WebhookEvent._meta.get_field("type").max_length),
                payload=storable(value=payload),
                rejected=bool(rejected),
                error=storable(value=f"rejected: {rejected}"[:2000]) if rejected else "",
            )
    except IntegrityError:
        return WebhookEvent.objects.get(provider=provider, event_id=event_id), False
    if rejected:
        logger.warning("webhook %s %s rejected: %s", provider, event.event_id, rejected)
    else:
        enqueue_on_commit(task=process_webhook_event, args=[str(event.pk)])
    return event, True


def webhook_process(*, event_pk: UUID | str) -> str:
    """Apply a stored event once. A failure rolls back the event's partial effects, is recorded
    on the event (attempts, error: committed, so the admin shows it) and is re-raised after
    that commit for the task to retry."""
    failure: Exception | None = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None:
            return "missing"
        if event.processed_at is not None:
            return "already processed"
        if event.rejected:
            return "rejected on arrival: not applied"
        event.attempts += 1
        try:
            with transaction.atomic():
                outcome = _dispatch(event)
        except Exception as exc:
            failure = exc
            event.error = f"{type(exc).__name__}: {exc}"[:2000]
            event.save(update_fields=["attempts", "error", "updated_at"])
        else:
            event.processed_at = timezone.now()
            event.error = ""
            event.save(update_fields=["attempts", "processed_at", "error", "updated_at"])
    if failure is not None:
        logger.warning("webhook %s %s failed: %s", event.provider, event.event_id, event.error)
        raise failure
    return outcome


def webhook_reprocess(*, event: WebhookEvent) -> str:
    """Admin: run an event that failed again (a processed one stays processed)."""
    return webhook_process(event_pk=event.pk)


def _dispatch(event: WebhookEvent) -> str:
    handler = (STRIPE_HANDLERS if event.provider != Payment.Provider.PAYSTACK else PAYSTACK_HANDLERS).get(
        event.type
    )
    if handler is None:
        return f"ignored: {event.type}"
    return handler(event.payload)


def _stripe_object(payload: dict) -> dict:
    return payload.get("data", {}).get("object", {})


def _stripe_succeeded(payload: dict) -> str:
    intent = _stripe_object(payload)
    currency = intent["currency"].upper()
    amount = from_minor_units(intent.get("amount_received") or intent["amount"], currency)
    return payment_events.payment_succeeded(
        providers=STRIPE_LIKE,
        reference=intent["id"],
        amount=amount,
        currency=currency,
        source="stripe webhook",
    )


def _stripe_failed(payload: dict) -> str:
    intent = _stripe_object(payload)
    message = (intent.get("last_payment_error") or {}).get("message", "")
    return payment_events.payment_failed(providers=STRIPE_LIKE, reference=intent["id"], message=message)


def _stripe_refunded(payload: dict) -> str:
    charge = _stripe_object(payload)
    currency = charge["currency"].upper()
    return payment_events.payment_refunded_upstream(
        providers=STRIPE_LIKE,
        reference=charge.get("payment_intent") or "",
        key=charge.get("id") or charge.get("payment_intent") or "",  # the charge's running total
        amount=from_minor_units(charge.get("amount_refunded", 0), currency),
    )


def _stripe_disputed(payload: dict) -> str:
    dispute = _stripe_object(payload)
    return payment_events.payment_disputed(
        providers=STRIPE_LIKE, reference=dispute.get("payment_intent") or "", reason=dispute.get("reason", "")
    )


def _paystack_succeeded(payload: dict) -> str:
    data = payload.get("data", {})
    currency = (data.get("currency") or "NGN").upper()
    return payment_events.payment_succeeded(
        providers=PAYSTACK,
        reference=data["reference"],
        amount=from_minor_units(int(data["amount"]), currency),
        currency=currency,
        source="paystack webhook",
    )


def _paystack_refunded(payload: dict) -> str:
    data = payload.get("data", {})
    currency = (data.get("currency") or "NGN").upper()
    return payment_events.payment_refunded_upstream(
        providers=PAYSTACK,
        reference=data.get("transaction_reference") or "",
        key=str(data["id"]),
        amount=from_minor_units(int(data["amount"]), currency),
    )


def _paystack_disputed(payload: dict) -> str:
    data = payload.get("data", {})
    reference = (data.get("transaction") or {}).get("reference", "")
    return payment_events.payment_disputed(
        providers=PAYSTACK, reference=reference, reason=data.get("reason", "")
    )


STRIPE_HANDLERS = {
    "payment_intent.succeeded": _stripe_succeeded,
    "payment_intent.payment_failed": _stripe_failed,
    "charge.refunded": _stripe_refunded,
    "charge.dispute.created": _stripe_disputed,
}
PAYSTACK_HANDLERS = {
    "charge.success": _paystack_succeeded,
    "refund.processed": _paystack_refunded,
    "charge.dispute.create": _paystack_disputed,
}
