"""Live shipment updates as Server-Sent Events: ``GET /api/v1/track/{code}/stream``.

Served by the ASGI application (uvicorn; docs/operations.md): each client is a coroutine, not a
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
import contextlib
import functools
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


@functools.cache
def _redis_client():
    """One client (and its connection pool) per process for publishing."""
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def publish_on_commit(shipment: Shipment, event: ShipmentEvent) -> None:
    """After the event's transaction commits, drop the cached public lookup of this shipment
    and tell its streams (Redis only; without Redis they poll). A publish that fails is logged:
    the streams catch up from the database on reconnect."""
    from .selectors import forget_public_tracking

    forget_public_tracking(code=shipment.tracking_code)
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


def _db(function):
    """Run ``function`` in the request's thread, then close that thread's database connection:
    a stream lives for minutes, and a connection held for each open stream would exhaust the
    database's connection limit long before the process runs out of coroutines."""

    def run(*args):
        from django.db import connection

        try:
            return function(*args)
        finally:
            if not connection.in_atomic_block:  # (a test's transaction stays open)
                connection.close()

    return sync_to_async(run)


async def _shipment(code: str) -> Shipment | None:
    return await _db(_find_shipment)(code)


def _find_shipment(code: str) -> Shipment | None:
    return (
        Shipment.objects.filter(tracking_code=code.strip().upper())
        .only("id", "tracking_code", "status")
        .first()
    )


async def _events_after(shipment_id, last_id: int) -> list[tuple[int, dict, str]]:
    """Events after ``last_id``; a database that is briefly unavailable (SQLite locked by a
    writer, a PostgreSQL failover) is asked again at the next poll instead of ending the stream."""
    from django.db import OperationalError

    try:
        return await _db(_new_events)(shipment_id, last_id)
    except OperationalError:
        logger.info("tracking stream: database unavailable for shipment %s; retrying", shipment_id)
        return []


async def _status(shipment_id) -> str:
    return await _db(_current_status)(shipment_id)


def _current_status(shipment_id) -> str:
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


class Hub:
    """One Redis pub/sub connection per process for all its open streams: it listens on every
    shipment's channel (a pattern subscription) and hands each message to the queues of the
    streams of that shipment. 200 clients cost 200 small queues, not 200 Redis connections.
    If the connection drops, it reconnects and tells every stream to catch up from the database
    (``RESYNC``), so no event is lost in between."""

    RESYNC = object()

    def __init__(self):
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.task: asyncio.Task | None = None
        self.loop = None
        self.ready: asyncio.Event | None = None

    async def subscribe(self, code: str) -> asyncio.Queue | None:
        """A queue of this shipment's messages, or None if Redis cannot be reached (the stream
        then polls the database)."""
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.loop is not loop:
            self.loop, self.ready = loop, asyncio.Event()
            self.task = loop.create_task(self._listen())
        try:
            await asyncio.wait_for(self.ready.wait(), timeout=5)
        except TimeoutError:
            return None
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.setdefault(code, set()).add(queue)
        return queue

    def unsubscribe(self, code: str, queue: asyncio.Queue) -> None:
        queues = self.queues.get(code)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self.queues[code]

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        prefix = CHANNEL.format(code="")
        first = True
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(CHANNEL.format(code="*"))
                if not first:  # messages may have been lost while reconnecting
                    for queues in self.queues.values():
                        for queue in queues:
                            queue.put_nowait(self.RESYNC)
                first = False
                self.ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    code = message["channel"].decode()[len(prefix) :]
                    for queue in tuple(self.queues.get(code, ())):
                        queue.put_nowait(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect; the streams resync from the database
                logger.warning("tracking stream hub: Redis connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()


HUB = Hub()


async def event_stream(shipment: Shipment, *, last_event_id: int = 0):
    """The async iterator of SSE frames for one client."""
    heartbeat = settings.TRACKING_STREAM_HEARTBEAT_SECONDS
    deadline = time.monotonic() + settings.TRACKING_STREAM_MAX_SECONDS
    code = shipment.tracking_code
    queue = await HUB.subscribe(code) if settings.REDIS_URL else None  # before the backlog: no gap
    try:
        yield b"retry: 3000\n\n"
        last = last_event_id
        final = False
        for event_id, payload, status in await _events_after(shipment.pk, last):
            yield format_sse(data=payload, event_id=event_id)
            last, final = event_id, bool(status) and SHIPMENT.is_final(status)
        next_beat = time.monotonic() + heartbeat
        while not final and time.monotonic() < deadline:
            if queue is not None:
                wait = max(0.0, min(next_beat, deadline) - time.monotonic())
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=wait)
                except TimeoutError:
                    message = None
                if message is Hub.RESYNC:
                    for event_id, payload, status in await _events_after(shipment.pk, last):
                        yield format_sse(data=payload, event_id=event_id)
                        last, final = event_id, bool(status) and SHIPMENT.is_final(status)
                elif message is not None:
                    data = json.loads(message)
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
        if queue is not None:
            HUB.unsubscribe(code, queue)
