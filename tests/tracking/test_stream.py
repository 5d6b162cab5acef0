"""The live tracking stream, with a real client against the real ASGI app served by uvicorn (in
a thread of the test process, so it shares the test database): a client connected to the
stream receives an event recorded after it connected, and one that reconnects with
``Last-Event-ID`` gets only what came after. On CI's PostgreSQL + Redis run the events go
through Redis pub/sub; embedded, the stream polls the database."""

import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from django.test import override_settings

from apps.tracking.models import ShipmentEvent
from apps.tracking.services import shipment_create, shipment_event_record

from .factories import carrier, paid_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def asgi_server():
    from config.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _frames(lines):
    """SSE frames from a line iterator: dicts of their fields (comments and retry skipped)."""
    frame = {}
    for line in lines:
        if line == "":
            if "data" in frame:
                yield frame
            frame = {}
        elif not line.startswith(":") and ":" in line:
            field, _, value = line.partition(":")
            frame[field] = value.strip()


def _shipment():
    order = paid_order()
    return shipment_create(order=order, carrier=carrier(), tracking_number="LIVE1", actor=None)


@override_settings(TRACKING_STREAM_POLL_SECONDS=0.1, TRACKING_STREAM_HEARTBEAT_SECONDS=0.5)
def test_a_connected_client_receives_new_events_and_resumes(asgi_server):
    shipment = _shipment()
    url = f"{asgi_server}/api/v1/track/{shipment.tracking_code}/stream"
    received = []
    with httpx.Client(timeout=10) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        frames = _frames(response.iter_lines())
        first = next(frames)  # the backlog: the shipment's creation
        assert json.loads(first["data"])["status"] == "label_created"
        threading.Timer(
            0.3, lambda: shipment_event_record(shipment=shipment, status="in_transit", location="Memphis, TN")
        ).start()
        started = time.monotonic()
        second = next(frames)
        received.append(time.monotonic() - started)
        assert json.loads(second["data"]) == {
            "status": "in_transit",
            "occurred_at": json.loads(second["data"])["occurred_at"],
            "location": "Memphis, TN",
        }
    assert received[0] < 5
    in_transit = ShipmentEvent.objects.get(shipment=shipment, to_status="in_transit")
    assert int(second["id"]) == in_transit.pk

    # Reconnect with Last-Event-ID: only what came after, then the end after delivery.
    shipment_event_record(shipment=shipment, status="out_for_delivery", location="Austin, TX")
    shipment_event_record(shipment=shipment, status="delivered", location="Austin, TX")
    headers = {"Last-Event-ID": str(in_transit.pk)}
    with httpx.Client(timeout=10) as client, client.stream("GET", url, headers=headers) as response:
        frames = list(_frames(response.iter_lines()))
    statuses = [json.loads(f["data"])["status"] for f in frames]
    assert statuses == ["out_for_delivery", "delivered", "delivered"]  # the last is the "end" event
    assert frames[-1]["event"] == "end"


def test_an_unknown_code_is_a_404_in_the_envelope(asgi_server):
    response = httpx.get(f"{asgi_server}/api/v1/track/FD-NOPE-NOPE-NOPE/stream", timeout=10)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_the_wsgi_development_server_streams_by_polling(client, settings):
    settings.DEBUG = True
    settings.TRACKING_STREAM_POLL_SECONDS = 0.01
    shipment = _shipment()
    shipment_event_record(shipment=shipment, status="in_transit", location="Memphis, TN")
    shipment_event_record(shipment=shipment, status="delivered", location="Austin, TX")
    response = client.get(f"/api/v1/track/{shipment.tracking_code}/stream")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    lines = b"".join(response.streaming_content).decode().split("\n")
    statuses = [json.loads(f["data"])["status"] for f in _frames(lines)]
    assert statuses == ["label_created", "in_transit", "delivered", "delivered"]


@pytest.mark.django_db
def test_outside_debug_the_wsgi_app_refuses_the_stream(client, settings):
    settings.DEBUG = False
    shipment = _shipment()
    response = client.get(f"/api/v1/track/{shipment.tracking_code}/stream")
    assert response.status_code == 501
    assert response.json()["errors"][0]["code"] == "asgi_required"


@override_settings(TRACKING_STREAM_POLL_SECONDS=0.1, TRACKING_STREAM_HEARTBEAT_SECONDS=0.5)
def test_many_clients_share_the_process_and_hold_no_database_connection(asgi_server):
    """Ten clients of one shipment: each gets the new event; while they wait, the server holds
    no database connection for them (a stream closes its connection after each read), and on
    Redis the process listens through one pub/sub connection (the hub), not one per client."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.db import connection

    from apps.tracking.streams import HUB

    shipment = _shipment()
    url = f"{asgi_server}/api/v1/track/{shipment.tracking_code}/stream"
    connected = threading.Barrier(11, timeout=20)
    deadline = time.monotonic() + 30

    def statuses(lines, wanted: int) -> list[str]:
        """The first ``wanted`` statuses, within the deadline (heartbeats keep a read alive)."""
        found = []
        for frame in _frames(line for line in lines if time.monotonic() < deadline or _timeout()):
            found.append(json.loads(frame["data"])["status"])
            if len(found) == wanted:
                return found
        raise AssertionError("the stream ended early")

    def client():
        with httpx.stream("GET", url, timeout=20) as response:
            lines = response.iter_lines()
            first = statuses(lines, 1)  # the backlog: label_created
            connected.wait()
            return first + statuses(lines, 1)

    def database_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    before = database_connections() if connection.vendor == "postgresql" else 0
    with ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(client) for _ in range(10)]
        connected.wait()
        time.sleep(0.3)
        if connection.vendor == "postgresql":
            # Other processes (CI's worker) may hold a connection or two; ten open streams
            # holding one each would show as ten more.
            held = database_connections() - before
            assert held < 3, f"{held} more database connections while the streams are open"
        if settings.REDIS_URL:
            assert len(HUB.queues.get(shipment.tracking_code, ())) == 10  # ten queues, one listener
        shipment_event_record(shipment=shipment, status="picked_up", location="Houston, TX")
        results = [future.result(timeout=40) for future in futures]
    assert results == [["label_created", "picked_up"]] * 10


def _timeout():
    raise TimeoutError("no event within the test's deadline")
