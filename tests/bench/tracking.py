"""The tracking benchmark (phase 5 of ``make bench``).

- Public ``GET /api/v1/track/{code}`` against gunicorn (2 workers, 16 connections), next to
  the ceiling measured again in this phase, rotating over tracking codes (a wrk script written
  to var/bench at run time), three ways: cold (TRACKING_PUBLIC_CACHE_SECONDS=0, every lookup
  reads the database) over every seeded code; warm (the app's response cache holding 500 hot
  codes, looked up once before) with the per-IP throttle (TRACKING_THROTTLE_RATE) set high, as
  the other phases do with theirs; and warm at the default rate behind one proxy
  (NUM_PROXIES=1), each request from another X-Forwarded-For address (the throttle as
  production runs it: one small key per client).
- The live stream ``GET /api/v1/track/{code}/stream`` on ONE ASGI worker process (uvicorn,
  ``config.asgi:application``, Redis pub/sub): N clients (raw asyncio sockets, in this
  process) open the stream of one shipment and wait for their first frame; then events are
  recorded one a second through the service (``shipment_event_record``, in a thread of this
  process). Each event's delivery latency is the time from its commit (an on-commit callback
  registered before the service's publish) to its frame read by each client. Also: the time
  to connect every client, the worker's resident memory, and the PostgreSQL and Redis
  connections held while the streams are open and after they close.
- Matching (``apps.jobs.matching.match_candidates``) over 10,000 seeded resources, timed
  in this process against the bench database, for ~200 random jobs; skipped (and said so)
  while that module does not exist.

Data: ``seed`` (shipments of bulk-created orders, a few events each) and ``seed_resources``,
rows bulk-created directly; tracking codes are the model's own default.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"lookup": 0.15, "stream_max_seconds": 1.0, "match_p95_ms": 50.0}
# The lookup and stream throttle, out of the way of the measure. Per second, not per minute:
# DRF keeps one timestamp per request in the key's history (one key here: one client IP), which
# it reads and writes back on every request; a minute's window would make that list (and the
# cost of each request) grow through the run.
HIGH_RATE = "1000000000/s"
DEFAULT_RATE = "60/min"  # config/settings.py's TRACKING_THROTTLE_RATE
HOT_CODES = 500  # the warm lookup rows rotate over these (looked up once before)
CARRIER_CODE = "bench-carrier"
LOCATIONS = ["Lagos", "Ibadan", "Abuja", "Kano", "Port Harcourt", "Accra", "Kumasi", "Lomé", "Cotonou"]
SERVICE_TYPES = [
    ("bench-ploughing", "Ploughing", "1.50"),
    ("bench-harrowing", "Harrowing", "1.00"),
    ("bench-planting", "Planting", "2.00"),
    ("bench-spraying", "Spraying", "0.50"),
    ("bench-harvesting", "Harvesting", "3.00"),
]
REGION = {"lat": (4.0, 13.0), "lng": (3.0, 14.0)}  # Nigeria, roughly

TRACK_LUA = r"""-- wrk script (written by tests/bench/tracking.py): GET /api/v1/track/{code}, round-robin
-- over the codes in WRK_CODES_FILE (one a line), each thread starting at its own offset.
-- WRK_XFF=1: each request from another client address (X-Forwarded-For: 10.x.y.z), for a
-- server behind one proxy (NUM_PROXIES=1). The answers' statuses are counted.
local threads = {}

setup = function(thread)
  thread:set("offset", #threads * 7919)
  threads[#threads + 1] = thread
end

init = function(args)
  codes = {}
  for line in io.lines(os.getenv("WRK_CODES_FILE")) do
    codes[#codes + 1] = line
  end
  n = offset or 0
  xff = os.getenv("WRK_XFF") == "1"
  statuses = {}
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

request = function()
  n = n + 1
  local path = "/api/v1/track/" .. codes[(n % #codes) + 1]
  if xff then
    local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
    return wrk.format("GET", path, {["X-Forwarded-For"] = ip})
  end
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ",")))
end
"""


def tracking_env(env: dict) -> dict:
    """The phase's servers: the public lookup and stream throttle set high (one client IP here)."""
    return {**env, "TRACKING_THROTTLE_RATE": HIGH_RATE}


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (values need not be sorted)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- Seeding ----------------------------------------------------------------------------------


def seed(*, shipments: int, events: int = 5, rng: random.Random) -> dict:
    """``shipments`` shipments of as many paid, shipped orders (2 lines each, both in the
    shipment), with ``events`` (at least 4) events each: label created, picked up, in-transit
    scans, and for a third of them out for delivery and delivered; bulk-created as the services
    would leave them. Returns ``{codes, stream_shipment_id, stream_code, shipments, events,
    seconds}``; the stream's shipment (the first) is in transit, not final."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.orders.models import Order, OrderLine
    from apps.orders.services.numbers import SEQUENCE, order_number_for
    from apps.tracking.models import Carrier, Shipment, ShipmentEvent, ShipmentLine

    assert settings.DATABASES["default"]["NAME"].startswith("foundry_bench_"), "not the bench database"
    assert events >= 4, "label created, picked up, out for delivery, delivered"
    started = time.perf_counter()
    now = timezone.now()
    address = {"name": "Bench Buyer", "line1": "5 Marina Rd", "city": "Lagos", "country": "NG"}
    with transaction.atomic():
        carrier, _ = Carrier.objects.get_or_create(
            code=CARRIER_CODE,
            defaults={
                "name": "Bench Express",
                "tracking_url_template": "https://carrier.example/track?n={tracking_number}",
                "webhook_secret": "bench-carrier-secret",
            },
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE, shipments])
                sequences = [row[0] for row in cursor.fetchall()]
        else:  # pragma: no cover - the benchmark runs on PostgreSQL
            sequences = list(range(10_000_000, 10_000_000 + shipments))
        orders, lines, plans = [], [], []
        for index, sequence in enumerate(sequences):
            shipped_at = now - timedelta(hours=rng.uniform(12, 240))
            delivered = index % 3 == 0 and index != 0  # the first one is the stream's: in transit
            statuses = ["label_created", "picked_up", *["in_transit"] * (events - 2)]
            if delivered:
                statuses[-2:] = ["out_for_delivery", "delivered"]
            plans.append((shipped_at, statuses))
            order = Order(
                number=order_number_for(sequence=sequence),
                sequence=sequence,
                email=f"bench-track-{sequence}@bench.example",
                status=Order.Status.DELIVERED if delivered else Order.Status.SHIPPED,
                currency="USD",
                subtotal=Decimal("30.00"),
                total=Decimal("30.00"),
                shipping_address=address,
                billing_address=address,
                paid_at=shipped_at - timedelta(hours=2),
                delivered_at=shipped_at + timedelta(days=2) if delivered else None,
            )
            orders.append(order)
            lines += [
                OrderLine(order=order, sku="BENCH-TRK-A", name="Seed drill part", unit_price=Decimal("10.00"),
                          quantity=2, line_total=Decimal("20.00")),
                OrderLine(order=order, sku="BENCH-TRK-B", name="Sprayer nozzle", unit_price=Decimal("10.00"),
                          quantity=1, line_total=Decimal("10.00")),
            ]  # fmt: skip
        Order.objects.bulk_create(orders, batch_size=2000)
        OrderLine.objects.bulk_create(lines, batch_size=4000)
        rows = []
        for order, (shipped_at, statuses) in zip(orders, plans, strict=True):
            times = [shipped_at + timedelta(hours=6 * step) for step in range(len(statuses))]
            final = statuses[-1]
            rows.append(
                Shipment(
                    order=order,
                    carrier=carrier,
                    tracking_number=f"BENCH{order.sequence:010d}",
                    status=final,
                    status_at=times[-1],
                    delivered_at=times[-1] if final == "delivered" else None,
                )
            )
        Shipment.objects.bulk_create(rows, batch_size=2000)
        shipment_lines, event_rows = [], []
        for shipment, order_lines, (shipped_at, statuses) in zip(
            rows, (lines[i : i + 2] for i in range(0, len(lines), 2)), plans, strict=True
        ):
            shipment_lines += [
                ShipmentLine(shipment=shipment, order_line=line, quantity=line.quantity)
                for line in order_lines
            ]
            before = ""
            for step, status in enumerate(statuses):
                event_rows.append(
                    ShipmentEvent(
                        shipment=shipment,
                        from_status=before,
                        to_status=status,
                        location="" if step == 0 else rng.choice(LOCATIONS),
                        note="Shipment created." if step == 0 else "",
                        source=ShipmentEvent.Source.STAFF if step == 0 else ShipmentEvent.Source.CARRIER,
                        carrier=None if step == 0 else carrier,
                        carrier_status="" if step == 0 else status.upper(),
                        occurred_at=shipped_at + timedelta(hours=6 * step),
                    )
                )
                before = status
        ShipmentLine.objects.bulk_create(shipment_lines, batch_size=4000)
        ShipmentEvent.objects.bulk_create(event_rows, batch_size=4000)
    return {
        "codes": [s.tracking_code for s in rows],
        "stream_shipment_id": str(rows[0].pk),
        "stream_code": rows[0].tracking_code,
        "shipments": len(rows),
        "events": len(event_rows),
        "seconds": time.perf_counter() - started,
    }


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- The public lookup (wrk) ------------------------------------------------------------------


def lookup_files(codes: list[str], hot: list[str], work_dir: Path) -> tuple[Path, Path, Path]:
    """The wrk script and its two code lists (every code, and the hot ones) in ``work_dir``."""
    script, every, hot_file = work_dir / "track.lua", work_dir / "track-codes.txt", work_dir / "track-hot.txt"
    script.write_text(TRACK_LUA)
    every.write_text("\n".join(codes) + "\n")
    hot_file.write_text("\n".join(hot) + "\n")
    return script, every, hot_file


def _lookup(client, code: str, *, cache_seconds: int | None = None) -> tuple[int, int, dict]:
    """One lookup through the Django test client (this process, its throttle off): (status,
    SQL queries, body). ``cache_seconds``: TRACKING_PUBLIC_CACHE_SECONDS for that call."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    overrides = {"TRACKING_THROTTLE_RATE": ""}
    if cache_seconds is not None:
        overrides["TRACKING_PUBLIC_CACHE_SECONDS"] = cache_seconds
    with override_settings(**overrides), CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/track/{code}")
    return response.status_code, len(queries), response.json()


def probe_lookup(code: str) -> dict:
    """SQL queries of a lookup without the response cache (cold) and of a repeated one (warm;
    0 once the app caches the answer)."""
    from django.test import Client

    client = Client()
    status, cold, body = _lookup(client, code, cache_seconds=0)
    _lookup(client, code)  # fills the cache, if the app has one
    _, warm, _ = _lookup(client, code)
    return {
        "status": status,
        "cold_queries": cold,
        "warm_queries": warm,
        "events": len(body.get("events", [])),
    }


def warm_lookups(codes: list[str]) -> int:
    """Look every code up once (through the test client, in this process: the servers share its
    Redis cache), so the app's response cache holds them; returns the number answered 200."""
    from django.test import Client

    client = Client()
    return sum(_lookup(client, code)[0] == 200 for code in codes)


# --- The live stream (one uvicorn process, N clients) ----------------------------------------


def start_asgi(
    env: dict, port: int, harness, log_path: Path, app: str = "config.asgi:application"
) -> subprocess.Popen:
    """One uvicorn process, as ``make asgi`` and compose run it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/uvicorn"), app, "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log", "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited ({server.returncode}); see {log_path}")
        try:
            if harness.http("GET", f"http://127.0.0.1:{port}/api/v1/status")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"uvicorn did not start; see {log_path}")


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def _pg_connections() -> int:
    """Connections to the bench database, other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _db_close() -> None:
    from django.db import connection

    connection.close()


def _redis_clients(redis_url: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.info("clients")["connected_clients"]) - 1
    finally:
        client.close()


class StreamClient:
    """One SSE client on a raw socket: HTTP/1.1, chunked body, frames split on blank lines.
    ``received`` maps each event id to the time.time() its frame was read."""

    def __init__(self, port: int, code: str):
        self.port, self.code = port, code
        self.status = 0
        self.connected_at: float | None = None
        self.received: dict[int, float] = {}
        self.backlog = 0
        self.error = ""
        self.ended = False
        self.connected = asyncio.Event()
        self.writer = None

    async def run(self) -> None:
        try:
            reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(
                f"GET /api/v1/track/{self.code}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            self.status = int(head.split(b" ", 2)[1])
            if self.status != 200:
                self.error = head.split(b"\r\n", 1)[0].decode(errors="replace")
                return
            if b"transfer-encoding: chunked" not in head.lower():
                self.error = "not chunked"
                return
            buffer = b""
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                chunk = (await reader.readexactly(size + 2))[:-2]
                now = time.time()
                buffer += chunk
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    self._frame(frame, now)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if not self.ended:
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.connected.set()  # never leave the waiter hanging

    def _frame(self, frame: bytes, now: float) -> None:
        if self.connected_at is None:
            self.connected_at = now  # the first frame ("retry: ..."), sent once subscribed
            self.connected.set()
        fields = dict(line.split(": ", 1) for line in frame.decode().split("\n") if ": " in line)
        if "id" in fields and fields.get("event") != "end":
            event_id = int(fields["id"])
            if event_id not in self.received:
                self.received[event_id] = now

    def close(self) -> None:
        self.ended = True
        if self.writer is not None:
            self.writer.close()


def _record_event(shipment_id: str, index: int) -> tuple[int, float]:
    """An in-transit scan through the service; returns (event id, commit time). The commit time
    comes from an on-commit callback registered before the service's own (the publish)."""
    from django.db import transaction
    from django.utils import timezone

    from apps.tracking.models import Shipment, ShipmentEvent
    from apps.tracking.services import shipment_event_record

    stamp = {}
    with transaction.atomic():
        transaction.on_commit(lambda: stamp.setdefault("at", time.time()))
        event, _ = shipment_event_record(
            shipment=Shipment(pk=shipment_id),
            status="in_transit",
            location=LOCATIONS[index % len(LOCATIONS)],
            occurred_at=timezone.now(),
            source=ShipmentEvent.Source.CARRIER,
            carrier_status="TRANSIT",
            external_id=f"bench-live-{os.getpid()}-{index}-{time.time_ns()}",
        )
    return event.pk, stamp["at"]


async def _stream_run(port: int, code: str, shipment_id: str, *, clients: int, events: int,
                      interval: float, server_pid: int, redis_url: str) -> dict:  # fmt: skip
    db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-db")  # one connection
    loop = asyncio.get_running_loop()
    base_pg = await loop.run_in_executor(db, _pg_connections)
    base_redis = _redis_clients(redis_url)
    base_rss = _rss_mib(server_pid)
    streams = [StreamClient(port, code) for _ in range(clients)]
    started = time.time()
    tasks = [asyncio.create_task(s.run()) for s in streams]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in streams)), timeout=60)
    connected = [s for s in streams if s.connected_at is not None]
    connect_seconds = max((s.connected_at for s in connected), default=started) - started
    for s in connected:
        s.backlog = len(s.received)
    await asyncio.sleep(0.5)  # let the server settle: the last subscriptions, the threads
    held = {
        "pg_connections": await loop.run_in_executor(db, _pg_connections),
        "redis_clients": _redis_clients(redis_url),
        "rss_mib": _rss_mib(server_pid),
    }
    posted: dict[int, float] = {}
    if connected:
        for index in range(events):
            event_id, committed = await loop.run_in_executor(db, _record_event, shipment_id, index)
            posted[event_id] = committed
            await asyncio.sleep(interval)
        await asyncio.sleep(2.0)  # stragglers
    for s in streams:
        s.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(3.0)  # the server notices the disconnects and cleans up
    after = {
        "pg_connections": await loop.run_in_executor(db, _pg_connections),
        "redis_clients": _redis_clients(redis_url),
    }
    await loop.run_in_executor(db, _db_close)
    db.shutdown()

    latencies, per_event_max, missing = [], {}, 0
    for event_id, committed in posted.items():
        delays = [s.received[event_id] - committed for s in connected if event_id in s.received]
        missing += len(connected) - len(delays)
        latencies += delays
        per_event_max[event_id] = max(delays) if delays else None
    complete = sum(1 for s in connected if all(e in s.received for e in posted))
    errors: dict[str, int] = {}
    for s in streams:
        if s.error:
            errors[s.error[:120]] = errors.get(s.error[:120], 0) + 1
    statuses: dict[int, int] = {}
    for s in streams:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return {
        "clients": clients,
        "connected": len(connected),
        "statuses": statuses,
        "errors": errors,
        "connect_seconds": connect_seconds,
        "backlog_frames": statistics.median([s.backlog for s in connected]) if connected else 0,
        "events": len(posted),
        "deliveries": len(latencies),
        "missing_deliveries": missing,
        "clients_with_every_event": complete,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "per_event_max_ms": [round(v * 1000, 1) if v is not None else None for v in per_event_max.values()],
        "baseline": {"pg_connections": base_pg, "redis_clients": base_redis, "rss_mib": base_rss},
        "held": held,
        "after": after,
    }


def run_stream(env: dict, port: int, harness, *, code: str, shipment_id: str, clients: int, events: int,
               redis_url: str, log_path: Path, app: str = "config.asgi:application") -> dict:  # fmt: skip
    server = start_asgi(env, port, harness, log_path, app)
    try:
        result = asyncio.run(
            _stream_run(port, code, shipment_id, clients=clients, events=events, interval=1.0,
                        server_pid=server.pid, redis_url=redis_url)
        )  # fmt: skip
    finally:
        harness.stop_process(server, grace=15)
    result["server_errors"] = server_errors(log_path)
    return result


def server_errors(log_path: Path) -> dict[str, int]:
    """The exceptions the server logged (their last line: ``module.Error: message``), counted."""
    counts: dict[str, int] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if re.match(r"^[\w.]+(Error|Exception): ", line) and not line.startswith("psycopg."):
            counts[line[:200]] = counts.get(line[:200], 0) + 1
    return counts


# --- Matching ---------------------------------------------------------------------------------


def matching_available() -> bool:
    return (ROOT / "apps" / "jobs" / "matching.py").exists()


def seed_resources(*, count: int, rng: random.Random) -> dict:
    """``count`` active resources (a few inactive besides) of count/20 providers, spread over
    REGION, each able to do 1–3 of the SERVICE_TYPES, a quarter with blocked dates in the next
    60 days, a tenth already booked (an accepted job) on one of the next 60 days. Returns the
    counts and the seconds it took."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from apps.accounts.models import User
    from apps.jobs.models import Job, Resource, ResourceBlock, ServiceProvider, ServiceType

    started = time.perf_counter()
    today = date.today()
    with transaction.atomic():
        customer = _customer()
        types = [
            ServiceType.objects.get_or_create(
                code=code, defaults={"name": name, "hours_per_unit": Decimal(hours)}
            )[0]
            for code, name, hours in SERVICE_TYPES
        ]
        unusable = make_password(None)
        users = User.objects.bulk_create(
            [
                User(email=f"bench-provider-{i}@bench.example", full_name=f"Provider {i}", password=unusable)
                for i in range(max(1, count // 20))
            ],
            batch_size=2000,
        )
        providers = ServiceProvider.objects.bulk_create(
            [ServiceProvider(user=u, business_name=f"Bench Hire {i:04d}") for i, u in enumerate(users)],
            batch_size=2000,
        )
        resources = []
        for i in range(count):
            resources.append(
                Resource(
                    provider=providers[i % len(providers)],
                    name=f"Tractor {i:05d}",
                    rate_per_hour=Decimal(rng.randrange(8_000, 40_000)),
                    travel_fee_per_km=Decimal(rng.randrange(50, 400)),
                    currency="NGN",
                    base_lat=Decimal(f"{rng.uniform(*REGION['lat']):.6f}"),
                    base_lng=Decimal(f"{rng.uniform(*REGION['lng']):.6f}"),
                    is_active=rng.random() > 0.03,
                )
            )
        Resource.objects.bulk_create(resources, batch_size=2000)
        capabilities = {r.pk: rng.sample(types, rng.randint(1, 3)) for r in resources}
        through = Resource.capabilities.through
        through.objects.bulk_create(
            [through(resource_id=r.pk, servicetype_id=t.pk) for r in resources for t in capabilities[r.pk]],
            batch_size=5000,
        )
        blocks = []
        for r in resources:
            if rng.random() < 0.25:
                for _ in range(rng.randint(1, 2)):
                    start = today + timedelta(days=rng.randrange(0, 60))
                    blocks.append(
                        ResourceBlock(
                            resource=r, start_date=start, end_date=start + timedelta(days=rng.randrange(0, 7))
                        )
                    )
        ResourceBlock.objects.bulk_create(blocks, batch_size=5000)
        # A tenth of the resources already booked (an accepted job) on one of those days.
        booked = [
            _job(customer, rng.choice(capabilities[r.pk]), rng, i, status=Job.Status.ACCEPTED, resource=r)
            for i, r in enumerate(rng.sample(resources, count // 10))
        ]  # fmt: skip
        Job.objects.bulk_create(booked, batch_size=2000)
    return {
        "service_types": [t.pk for t in types],
        "resources": count,
        "blocks": len(blocks),
        "booked_jobs": len(booked),
        "providers": len(providers),
        "seconds": time.perf_counter() - started,
    }


def _customer():
    from django.contrib.auth.hashers import make_password

    from apps.accounts.models import User

    return User.objects.get_or_create(
        email="bench-job-customer@bench.example", defaults={"password": make_password(None)}
    )[0]


def _job(customer, service_type, rng: random.Random, index: int, *, status=None, resource=None):
    """An unsaved job at a random site of REGION, for one of the next 60 days; ``resource``:
    at that resource's base, assigned to it (status ACCEPTED: it is booked that day)."""
    from django.utils import timezone

    from apps.jobs.models import Job

    size = Decimal(rng.randrange(1, 40))
    lat = resource.base_lat if resource else Decimal(f"{rng.uniform(*REGION['lat']):.6f}")
    lng = resource.base_lng if resource else Decimal(f"{rng.uniform(*REGION['lng']):.6f}")
    return Job(
        customer=customer,
        service_type=service_type,
        site_address=f"Farm {index}, bench",
        site_lat=lat,
        site_lng=lng,
        size=size,
        preferred_date=date.today() + timedelta(days=rng.randrange(1, 60)),
        estimated_hours=(size * service_type.hours_per_unit).quantize(Decimal("0.01")),
        currency="NGN",
        status=status or Job.Status.SENT,
        status_at=timezone.now(),
        resource=resource,
        provider_id=resource.provider_id if resource else None,
    )


def make_jobs(count: int, rng: random.Random) -> list:
    """``count`` new jobs (SENT) of one bench customer at random sites of REGION, saved (as
    matching sees them in production), for the next 60 days."""
    from apps.jobs.models import Job, ServiceType

    customer = _customer()
    types = list(ServiceType.objects.filter(code__in=[c for c, _, _ in SERVICE_TYPES]))
    return Job.objects.bulk_create([_job(customer, rng.choice(types), rng, i) for i in range(count)])


def run_matching(*, resources: int, jobs: int, rng: random.Random) -> dict:
    """Seed the resources, then time ``match_candidates(job, limit=10)`` for each job (one
    untimed warm-up call first), and again with ``limit=1`` (what offering a job asks for);
    SQL queries counted on one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seeded = seed_resources(count=resources, rng=rng)
    vacuum()
    from apps.jobs.matching import match_candidates

    sample = make_jobs(jobs, rng)
    match_candidates(sample[0], limit=10)  # warm-up: imports, plans
    times, found = [], []
    for job in sample:
        started = time.perf_counter()
        candidates = list(match_candidates(job, limit=10))
        times.append((time.perf_counter() - started) * 1000)
        found.append(len(candidates))
    first = []
    for job in sample:
        started = time.perf_counter()
        match_candidates(job, limit=1)
        first.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        list(match_candidates(sample[-1], limit=10))
    return {
        **seeded,
        "jobs": len(sample),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": max(times),
        "limit1_p50_ms": percentile(first, 50),
        "limit1_p95_ms": percentile(first, 95),
        "mean_candidates": statistics.mean(found),
        "jobs_without_candidates": found.count(0),
        "queries": len(queries),
    }


# --- The phase --------------------------------------------------------------------------------


def run_tracking(args, env: dict, port: int, *, harness, out_dir: Path):
    """Seed, the lookup rows against gunicorn, the stream against uvicorn, then matching.
    ``harness`` is run.py (start_server, stop_server, run_wrk, http, free_port). Returns
    (rows, facts, figures)."""
    from django.core.cache import cache
    from django.db import connection

    rng = random.Random(11)  # noqa: S311 - a reproducible load, not security
    phase_env = tracking_env(env)
    base = f"http://127.0.0.1:{port}"
    rows, facts, figures = [], [], {}
    server = None
    work_dir = Path(tempfile.mkdtemp(prefix="foundry-bench-tracking-"))  # this run's wrk inputs
    try:
        seeded = seed(shipments=args.tracking_shipments, rng=rng)
        vacuum()
        figures["seed"] = {k: v for k, v in seeded.items() if k != "codes"}
        facts.append(
            f"seeded {seeded['shipments']:,} shipments with {seeded['events']:,} events "
            f"in {seeded['seconds']:.1f} s"
        )
        probe = probe_lookup(seeded["codes"][1])
        figures["lookup_probe"] = probe
        connection.close()

        hot = seeded["codes"][:HOT_CODES]
        script, every_file, hot_file = lookup_files(seeded["codes"], hot, work_dir)
        url = f"{base}/api/v1/track/{seeded['stream_code']}"

        def lookup_row(server_env: dict, codes_file: Path, *, xff=False) -> dict:
            server = harness.start_server(server_env, port)
            try:
                harness.run_wrk(f"{base}/api/v1/status", duration=2, connections=4)  # warm both workers
                extra = {"WRK_CODES_FILE": str(codes_file), **({"WRK_XFF": "1"} if xff else {})}
                result = harness.run_wrk(
                    url, duration=args.duration, connections=args.connections, script=script, extra_env=extra
                )
            finally:
                harness.stop_server(server)
            return result

        # The ceiling; then cold: the response cache off (every lookup reads the database), over
        # every code.
        cache.clear()
        server = harness.start_server(phase_env, port)
        harness.run_wrk(f"{base}/api/v1/status", duration=2, connections=4)  # warm both workers
        ceiling = harness.run_wrk(
            f"{base}/bench/ceiling", duration=args.duration, connections=args.connections
        )
        harness.stop_server(server)
        server = None
        rows.append(("ceiling (plain Django JSON view)", args.connections, {**ceiling, "queries": 0}))
        cold = lookup_row({**phase_env, "TRACKING_PUBLIC_CACHE_SECONDS": "0"}, every_file)
        rows.append(
            (f"GET /track/{{code}} (cold, {len(seeded['codes']):,})", args.connections,
             {**cold, "queries": probe["cold_queries"]})
        )  # fmt: skip
        # Warm: the app's response cache (its default lifetime) holding the hot codes.
        cache.clear()
        warmed = warm_lookups(hot)
        connection.close()
        warm = lookup_row(phase_env, hot_file)
        rows.append(
            (f"GET /track/{{code}} (warm, {len(hot):,})", args.connections,
             {**warm, "queries": probe["warm_queries"]})
        )  # fmt: skip
        # Warm again, behind one proxy at the default rate, each request from another address.
        spread = lookup_row(
            {**env, "TRACKING_THROTTLE_RATE": DEFAULT_RATE, "NUM_PROXIES": "1"},
            hot_file,
            xff=True,
        )
        rows.append(
            (f"GET /track/{{code}} (warm, {DEFAULT_RATE}/IP)", args.connections,
             {**spread, "queries": probe["warm_queries"]})
        )  # fmt: skip
        cache.clear()
        ratios = {
            key: r["rps"] / ceiling["rps"] for key, r in (("cold", cold), ("warm", warm), ("spread", spread))
        }
        figures["lookup"] = {
            "ratios": ratios,
            "non2xx": {"cold": cold["non2xx"], "warm": warm["non2xx"], "spread": spread["non2xx"]},
            "codes": len(seeded["codes"]),
            "hot_codes": len(hot),
            "warmed": warmed,
            "probe": probe,
        }
        facts.append(
            f"lookup (a shipment: {probe['events']} events; SQL queries: {probe['cold_queries']} cold, "
            f"{probe['warm_queries']} from the response cache): cold, over {len(seeded['codes']):,} codes "
            f"with TRACKING_PUBLIC_CACHE_SECONDS=0, {ratios['cold']:.3f} × ceiling; warm, over "
            f"{len(hot):,} codes looked up once before, {ratios['warm']:.3f} × ceiling with the throttle "
            f"set high ({HIGH_RATE}, one client IP: one throttle key) and {ratios['spread']:.3f} × ceiling "
            f"at the default {DEFAULT_RATE} with NUM_PROXIES=1 and each request from another "
            f"X-Forwarded-For address — target ≥ {TARGETS['lookup']}; HTTP statuses: "
            f"{cold.get('statuses')}, {warm.get('statuses')}, {spread.get('statuses')}"
        )

        stream = run_stream(
            phase_env,
            harness.free_port(),
            harness,
            code=seeded["stream_code"],
            shipment_id=seeded["stream_shipment_id"],
            clients=args.stream_clients,
            events=args.stream_events,
            redis_url=env["REDIS_URL"],
            log_path=out_dir / "tracking-asgi.log",
        )
        connection.close()
        figures["stream"] = stream
        facts.append(
            f"stream (1 uvicorn process, Redis pub/sub): {stream['connected']}/{stream['clients']} clients "
            f"connected in {stream['connect_seconds']:.2f} s (HTTP statuses {stream['statuses']}"
            + (f", errors {stream['errors']}" if stream["errors"] else "")
            + f"); {stream['events']} events 1 s apart: delivery after commit p50 {stream['p50_ms']:.1f} ms, "
            f"p95 {stream['p95_ms']:.1f} ms, p99 {stream['p99_ms']:.1f} ms, max {stream['max_ms']:.1f} ms "
            f"(target max < {TARGETS['stream_max_seconds'] * 1000:.0f} ms); "
            f"{stream['clients_with_every_event']}/{stream['connected']} clients got every event, "
            f"{stream['missing_deliveries']} deliveries missing"
        )
        for line, count in sorted(stream["server_errors"].items(), key=lambda item: -item[1])[:3]:
            facts.append(f"stream: the ASGI worker logged {count} × {line}")
        held, base_, after = stream["held"], stream["baseline"], stream["after"]
        facts.append(
            f"stream resources with the clients open: worker RSS {base_['rss_mib']:.0f} → "
            f"{held['rss_mib']:.0f} MiB, PostgreSQL connections {base_['pg_connections']} → "
            f"{held['pg_connections']} (→ {after['pg_connections']} after they closed), Redis clients "
            f"{base_['redis_clients']} → {held['redis_clients']} (→ {after['redis_clients']})"
        )

        if matching_available():
            matching = run_matching(resources=args.resources, jobs=200, rng=rng)
            connection.close()
            figures["matching"] = matching
            facts.append(
                f"matching (match_candidates, limit 10, in-process on PostgreSQL): {matching['resources']:,} "
                f"resources ({matching['blocks']:,} blocks, {matching['booked_jobs']:,} booked), "
                f"{matching['jobs']} jobs: p50 "
                f"{matching['p50_ms']:.1f} ms, p95 {matching['p95_ms']:.1f} ms, "
                f"max {matching['max_ms']:.1f} ms (target p95 < {TARGETS['match_p95_ms']:.0f} ms; limit 1: "
                f"p50 {matching['limit1_p50_ms']:.1f} ms, p95 {matching['limit1_p95_ms']:.1f} ms); "
                f"{matching['queries']} SQL queries a call, "
                f"{matching['mean_candidates']:.1f} candidates on average, "
                f"{matching['jobs_without_candidates']} jobs with none"
            )
        else:
            figures["matching"] = None
            facts.append("matching: not measured (apps/tracking/matching.py does not exist yet)")
    finally:
        harness.stop_server(server)
        shutil.rmtree(work_dir, ignore_errors=True)
    return rows, facts, figures
