"""Live shipment updates as Server-Sent Events: ``GET /api/v1/track/{code}/stream``.

Served by the ASGI application (uvicorn; see the README): each client is a coroutine, not a
worker, so one process holds hundreds of them. The stream sends the shipment's events (only
what public tracking shows: status, time, coarse location), each with its id, then every new
one as it is recorded:

- with Redis configured (``REDIS_URL``), recording an event publishes it on the shipment's
  channel when its transaction commits, and the stream listens there;
- without Redis, the stream asks the database for newer events every
  ``TRACKING_STREAM_POLL_SECONDS``.

A comment line goes out every ``TRACKING_STREAM_HEARTBEAT_SECONDS`` so proxies keep the
connection open. A client that reconnects with ``Last-Event-ID`` gets only the events after
that one. The stream ends after a final status (delivered, returned) or after
``TRACKING_STREAM_MAX_SECONDS``; browsers' EventSource reconnects by itself."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from apps.core.renderers import iso_datetime

from .models import Shipment, ShipmentEvent
from .workflows import SHIPMENT

logger = logging.getLogger(__name__)

CHANNEL = "foundry:tracking:{code}"


def event_payload(event: ShipmentEvent) -> dict:
    return {
        "status": event.to_status,
        "occurred_at": iso_datetime(event.occurred_at),
        "location": event.location,
    }


def _redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def publish_on_commit(shipment: Shipment, event: ShipmentEvent) -> None:
    """After the event's transaction commits, tell the streams of this shipment (Redis only;
    without Redis they poll). A publish that fails is logged: the streams catch up from the
    database on reconnect."""
    if not settings.REDIS_URL:
        return
    message = json.dumps({"id": event.pk, "applied": event.applied, **event_payload(event)})
    channel = CHANNEL.format(code=shipment.tracking_code)

    def publish():
        try:
            _redis_client().publish(channel, message)
        except Exception:  # noqa: BLE001 - the event is stored; live delivery is best effort
            logger.warning("could not publish tracking event %s on %s", event.pk, channel, exc_info=True)

    transaction.on_commit(publish)


def format_sse(*, data: dict, event_id: int | None = None, event: str | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


@sync_to_async
def _shipment(code: str) -> Shipment | None:
    return (
        Shipment.objects.filter(tracking_code=code.strip().upper())
        .only("id", "tracking_code", "status")
        .first()
    )


def _events_after(shipment_id, last_id: int):
    return sync_to_async(_new_events)(shipment_id, last_id)


@sync_to_async
def _status(shipment_id) -> str:
    return Shipment.objects.filter(pk=shipment_id).values_list("status", flat=True).first() or ""


def _new_events(shipment_id, last_id: int) -> list[tuple[int, dict, str]]:
    rows = ShipmentEvent.objects.filter(shipment_id=shipment_id, id__gt=last_id).order_by("id")
    return [(e.pk, event_payload(e), e.to_status if e.applied else "") for e in rows]


def event_stream_polling(shipment: Shipment, *, last_event_id: int = 0):
    """The same stream as a plain iterator that polls the database: for the WSGI development
    server (``make run``), which cannot serve an async iterator as a stream."""
    heartbeat = settings.TRACKING_STREAM_HEARTBEAT_SECONDS
    deadline = time.monotonic() + settings.TRACKING_STREAM_MAX_SECONDS
    yield b"retry: 3000\n\n"
    last, final, next_beat = last_event_id, False, time.monotonic() + heartbeat
    while True:
        for event_id, payload, status in _new_events(shipment.pk, last):
            yield format_sse(data=payload, event_id=event_id)
            last, final = event_id, bool(status) and SHIPMENT.is_final(status)
        if final or time.monotonic() >= deadline:
            break
        if time.monotonic() >= next_beat:
            yield b": keep-alive\n\n"
            next_beat = time.monotonic() + heartbeat
        time.sleep(settings.TRACKING_STREAM_POLL_SECONDS)
    if final:
        yield format_sse(data={"status": Shipment.objects.get(pk=shipment.pk).status}, event="end")


async def event_stream(shipment: Shipment, *, last_event_id: int = 0):
    """The async iterator of SSE frames for one client."""
    heartbeat = settings.TRACKING_STREAM_HEARTBEAT_SECONDS
    deadline = time.monotonic() + settings.TRACKING_STREAM_MAX_SECONDS
    pubsub = None
    if settings.REDIS_URL:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(settings.REDIS_URL)
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL.format(code=shipment.tracking_code))  # before the backlog: no gap
    try:
        yield b"retry: 3000\n\n"
        last = last_event_id
        final = False
        for event_id, payload, status in await _events_after(shipment.pk, last):
            yield format_sse(data=payload, event_id=event_id)
            last, final = event_id, bool(status) and SHIPMENT.is_final(status)
        next_beat = time.monotonic() + heartbeat
        while not final and time.monotonic() < deadline:
            if pubsub is not None:
                wait = max(0.0, min(next_beat, deadline) - time.monotonic())
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
                if message and message.get("type") == "message":
                    data = json.loads(message["data"])
                    event_id, applied = data.pop("id"), data.pop("applied", True)
                    if event_id > last:
                        yield format_sse(data=data, event_id=event_id)
                        last, final = event_id, applied and SHIPMENT.is_final(data["status"])
            else:
                await asyncio.sleep(settings.TRACKING_STREAM_POLL_SECONDS)
                for event_id, payload, status in await _events_after(shipment.pk, last):
                    yield format_sse(data=payload, event_id=event_id)
                    last, final = event_id, bool(status) and SHIPMENT.is_final(status)
            if time.monotonic() >= next_beat:
                yield b": keep-alive\n\n"
                next_beat = time.monotonic() + heartbeat
        if final:
            yield format_sse(data={"status": await _status(shipment.pk)}, event="end")
    finally:
        if pubsub is not None:
            await pubsub.aclose()
            await client.aclose()
