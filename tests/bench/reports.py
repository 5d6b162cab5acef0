"""The reports phase of the benchmark (``run.py --phases reports``): the scaled history (100,000
orders with a million lines, a million stock movements, 200,000 inquiries), then, against
gunicorn (2 workers) on PostgreSQL + Redis:

- every authenticated list endpoint of the API at page 20, as an admin, next to the ceiling
  (the endpoints come from the OpenAPI schema: each GET without a path parameter whose answer is
  a page and which an anonymous caller may not read);
- the cursor-paginated ledger's first page against pages at positions 100,000, 500,000 and
  900,000 (and, for comparison, the page-number order list at page 5,000);
- the analytics overview, read from the daily snapshots (periods 30d and 90d);
- streaming CSV exports of a million order lines, a million movements and 100,000 orders:
  rows/s, time to the first byte and to the first row, and the serving worker's RSS growth
  (sampled from /proc every 20 ms while the export runs);
- report generation through a real Celery worker: POST /reports → done.

Nothing here is a timed test: the figures are printed, and compared with the issue's targets.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "bench-admin@example.com"
TARGETS = {
    "export_rows_per_second": 50_000,
    "export_rss_growth_mib": 100,
    "export_first_byte_seconds": 1.0,
    "overview_p95_ms": 100,
    "staff_list_ratio": 0.08,
    "deep_page_factor": 2.0,
}
DEEP_POSITIONS = (100_000, 500_000, 900_000)


# --- Helpers --------------------------------------------------------------------------------------


def _emit(payload: dict) -> None:
    print("BENCH_JSON " + json.dumps(payload, default=str), flush=True)


def _run_main(env: dict, function: str, *args: str) -> dict:
    """``tests.bench.reports.<function>(*args)`` in a fresh Python (Django set up with ``env``)."""
    from tests.bench.leads import _run_main as run_main

    return run_main(env, function, *args, module=__name__)


def _manage(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def _seed(env: dict, *args: str) -> float:
    """``python -m tests.bench.seed <args>`` (tests/bench/seed.py); returns the seconds taken."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tests.bench.seed", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def _workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


# --- Seeding (subprocesses) ---------------------------------------------------------------------------


def seed(env: dict, args, password: str) -> dict:
    seconds = {
        "orders": _seed(env, "orders", "--orders", str(args.report_orders), "--lines", "10"),
        "movements": _seed(env, "stock", "--movements", str(args.movements)),
        "inquiries": _seed(env, "leads", "--inquiries", str(args.report_inquiries), "--password", password),
    }
    _manage(
        env, "shell", "-c", "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
    )
    seconds["snapshots"] = _run_main(env, "_snapshot_main")
    return seconds


def _snapshot_main() -> None:
    """The nightly job's first run on this history: every missing day of the last 180."""
    from apps.accounts.services import user_create
    from apps.core.roles import ADMIN
    from apps.reports import analytics
    from apps.reports.models import DailyMetric

    user_create(email=ADMIN_EMAIL, full_name="Bench Admin", roles=[ADMIN])  # no password: a minted token
    started = time.perf_counter()
    days = analytics.snapshot_missing()
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    analytics.snapshot_recent()
    nightly = time.perf_counter() - started
    _emit({"days": days, "seconds": seconds, "nightly_seconds": nightly, "rows": DailyMetric.objects.count()})


def _token_main(email: str) -> None:
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User

    _emit({"access": str(RefreshToken.for_user(User.objects.get(email=email)).access_token)})


def _lists_main(admin_token: str) -> None:
    """The authenticated list endpoints, from the OpenAPI schema: GET, no path parameter, a page
    in the answer (``results``), and 401 for an anonymous caller; with the SQL queries of page 20
    as the admin and the page's count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    anonymous, admin = Client(), Client(HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    found = []
    for path, operations in sorted(schema["paths"].items()):
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        content = get.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref", "")
        if "results" not in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
            continue
        if anonymous.get(path).status_code != 401:
            continue  # public: measured by the catalog phase
        admin.get(path, {"page_size": 20})  # the first request also fills the user's cache entry
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(path, {"page_size": 20})
        body = response.json()
        found.append(
            {
                "path": path,
                "status": response.status_code,
                "queries": len(queries),
                "count": body.get("count"),
                "page": len(body.get("results", [])),
            }
        )
    _emit({"lists": found})


def _cursors_main() -> None:
    """Cursors of the ledger (ordered -created_at, -id) at deep positions: DRF's cursor encoding
    (``p`` = the created_at of the row before the page)."""
    from apps.inventory.models import StockMovement

    total = StockMovement.objects.count()
    # A smaller ledger (a quick run with --movements) is probed in its middle instead.
    positions = [p for p in DEEP_POSITIONS if p <= total] or ([total // 2] if total > 1 else [])
    cursors = {}
    for position in positions:
        created_at = StockMovement.objects.order_by("-created_at", "-id").values_list(
            "created_at", flat=True
        )[position - 1]
        token = base64.b64encode(urlencode({"p": str(created_at)}).encode()).decode()
        cursors[position] = token
    _emit({"cursors": cursors, "total": total})


# --- HTTP measurements ------------------------------------------------------------------------------------


def settle(port: int, *, quiet_ms: float = 20, timeout: float = 60) -> None:
    """Wait until the server answers /status quickly: the requests wrk left in flight when it
    stopped are done (they would otherwise count in the next measurement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("GET", "/api/v1/status")
        conn.getresponse().read()
        conn.close()
        if (time.perf_counter() - started) * 1000 < quiet_ms:
            return
        time.sleep(0.5)


def export(port: int, token: str, path: str, master_pid: int) -> dict:
    """Stream one export, throwing the body away; rows/s, first byte, first row, RSS growth."""
    settle(port)
    workers = _workers(master_pid)
    before = {pid: _rss_mib(pid) for pid in workers}
    peak = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in workers:
                with contextlib.suppress(OSError):  # a worker restarted
                    peak[pid] = max(peak[pid], _rss_mib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    first_byte = first_row = None
    size = newlines = 0
    while chunk := response.read1(256 * 1024):
        now = time.perf_counter()
        if first_byte is None:
            first_byte = now - started
        newlines += chunk.count(b"\n")  # (a read may split a CRLF; LF alone counts once)
        if first_row is None and newlines >= 2:
            first_row = now - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    conn.close()
    done.set()
    sampler.join()
    rows = newlines - 1
    growth = {pid: peak[pid] - before[pid] for pid in workers}
    return {
        "path": path,
        "status": response.status,
        "rows": rows,
        "mib": size / 2**20,
        "seconds": seconds,
        "rows_per_second": rows / seconds if seconds else 0.0,
        "first_byte_seconds": first_byte,
        "first_row_seconds": first_row,
        "rss_growth_mib": max(growth.values()),
        "rss_before_mib": max(before.values()),
    }


def report(port: int, token: str, dataset: str, *, compress: bool, timeout: float = 900) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    conn.request("POST", "/api/v1/reports", json.dumps({"dataset": dataset, "compress": compress}), headers)
    response = conn.getresponse()
    queued = json.loads(response.read())
    if response.status != 202:
        raise RuntimeError(f"POST /reports answered {response.status}: {queued}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn.request("GET", f"/api/v1/reports/{queued['id']}", headers=headers)
        body = json.loads(conn.getresponse().read())
        if body["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    conn.close()
    return {"dataset": dataset, "compress": compress, "wall_seconds": wall, **body}


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


class _Facts(list):
    """The phase's facts, each also printed as it comes (the phase takes a while)."""

    def append(self, line: str) -> None:
        print(f"  reports: {line}", flush=True)
        super().append(line)


# --- The phase -----------------------------------------------------------------------------------------


def run_reports(args, env: dict, port: int, *, harness, password: str, out_dir: Path):
    """Returns (rows, facts, figures). ``harness`` is run.py (start_server, run_wrk, ...)."""
    from tests.bench.leads import broker_flush, queued_env

    base = f"http://127.0.0.1:{port}"
    phase_env = {
        **queued_env(env, args.broker_url),
        "REPORTS_ROOT": str(out_dir / "reports"),
    }
    broker_flush(args.broker_url)
    rows, figures = [], {}
    facts = _Facts()
    server = worker = None
    try:
        seeded = seed(phase_env, args, password)
        figures["seed"] = seeded
        facts.append(
            f"seeded {args.report_orders:,} orders with {10 * args.report_orders:,} lines in "
            f"{seeded['orders']:.0f} s, {args.movements:,} stock movements in {seeded['movements']:.0f} s, "
            f"{args.report_inquiries:,} inquiries in {seeded['inquiries']:.0f} s; the daily snapshots' "
            f"first run ({seeded['snapshots']['days']} days): {seeded['snapshots']['seconds']:.1f} s, "
            f"the nightly run (2 days): {seeded['snapshots']['nightly_seconds']:.2f} s"
        )
        token = _run_main(phase_env, "_token_main", ADMIN_EMAIL)["access"]
        lists = _run_main(phase_env, "_lists_main", token)["lists"]
        cursors = _run_main(phase_env, "_cursors_main")
        figures["lists"] = lists

        server = harness.start_server(phase_env, port)
        harness.run_wrk(f"{base}/api/v1/status", duration=2, connections=4)  # warm both workers
        ceiling = harness.run_wrk(
            f"{base}/bench/ceiling", duration=args.duration, connections=args.connections
        )
        rows.append(("ceiling (plain Django JSON view)", args.connections, {**ceiling, "queries": 0}))
        auth = f"Bearer {token}"

        def measure(name, path, queries, conns=args.connections):
            settle(port)
            result = harness.run_wrk(f"{base}{path}", duration=args.duration, connections=conns, auth=auth)
            rows.append((name, conns, {**result, "queries": queries}))
            return result

        below = []
        for item in lists:
            if item["status"] != 200:
                facts.append(f"{item['path']} answered {item['status']} to the admin: not measured")
                continue
            separator = "&" if "?" in item["path"] else "?"
            result = measure(f"GET {item['path']}", f"{item['path']}{separator}page_size=20", item["queries"])
            if result["rps"] / ceiling["rps"] < TARGETS["staff_list_ratio"]:
                below.append(item["path"])
        facts.append(
            f"{len(lists)} authenticated list endpoints (from the schema), page 20 as an admin; "
            f"below {TARGETS['staff_list_ratio']} × ceiling: {', '.join(below) or 'none'}"
        )

        ledger = "/api/v1/inventory/movements?page_size=20"
        first = measure("ledger, first page (cursor)", ledger, None)
        deep = {}
        for position, cursor in cursors["cursors"].items():
            deep[position] = measure(
                f"ledger at position {int(position):,} (cursor)", f"{ledger}&cursor={quote(cursor)}", None
            )
        worst = max((d["p50_ms"] for d in deep.values()), default=first["p50_ms"])
        facts.append(
            f"ledger of {cursors['total']:,} movements: first page p50 {first['p50_ms']:.1f} ms, deepest "
            f"pages' worst p50 {worst:.1f} ms ({worst / first['p50_ms']:.2f}×; target ≤ "
            f"{TARGETS['deep_page_factor']}×)"
        )
        page_5000 = measure(
            "GET /orders?page=5000 (page number)", "/api/v1/orders?page_size=20&page=5000", None
        )
        facts.append(
            f"the order list (page numbers, not a cursor list) at page 5,000 (position 100,000): "
            f"p50 {page_5000['p50_ms']:.1f} ms"
        )

        overview = {}
        for period in ("30d", "90d"):
            overview[period] = measure(
                f"GET /analytics/overview?period={period}",
                f"/api/v1/analytics/overview?period={period}",
                None,
            )
        facts.append(
            "analytics overview (from the snapshots): p95 "
            + ", ".join(f"{p} {r['p95_ms']:.1f} ms" for p, r in overview.items())
            + f" (target < {TARGETS['overview_p95_ms']} ms)"
        )

        exports = []
        for path in (
            "/api/v1/export/order-lines",
            "/api/v1/export/inventory-movements",
            "/api/v1/export/orders",
            "/api/v1/export/orders?excel=true&status=delivered",
        ):
            r = export(port, token, path, server.pid)
            exports.append(r)
            facts.append(
                f"export {path}: {r['rows']:,} rows ({r['mib']:.0f} MiB) in {r['seconds']:.1f} s "
                f"= {r['rows_per_second']:,.0f} rows/s; first byte {r['first_byte_seconds'] * 1000:.0f} ms, "
                f"first row {r['first_row_seconds'] * 1000:.0f} ms; the worker's RSS "
                f"{r['rss_before_mib']:.0f} MiB, growth {r['rss_growth_mib']:.1f} MiB "
                f"(targets ≥ {TARGETS['export_rows_per_second']:,} rows/s, "
                f"< {TARGETS['export_rss_growth_mib']} MiB, "
                f"first byte < {TARGETS['export_first_byte_seconds']} s)"
            )
        figures["exports"] = exports

        worker = start_worker(phase_env, out_dir / "reports-worker.log")
        reports = [
            report(port, token, "order-lines", compress=False),
            report(port, token, "order-lines", compress=True),
            report(port, token, "inquiries", compress=False),
        ]
        figures["reports"] = reports
        for r in reports:
            facts.append(
                f"report {r['dataset']}{' (gzip)' if r['compress'] else ''}: {r['status']}, "
                f"{r['rows']:,} rows, "
                f"{(r['file_size'] or 0) / 2**20:.0f} MiB, {r['wall_seconds']:.1f} s from POST to done "
                f"(1 worker, solo pool)"
            )
    finally:
        harness.stop_process(worker, grace=30)
        harness.stop_server(server)
        broker_flush(args.broker_url)
    return rows, facts, figures
