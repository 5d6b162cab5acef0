#!/usr/bin/env python
"""The benchmark suite (``make bench``).

Creates a fresh PostgreSQL database, loads scaled data (tests/bench/seed.py: 10,000 products ×
2 variants × 2 currencies), starts gunicorn (2 workers) with Redis as cache, drives each
endpoint with wrk (Debian package) and prints requests/s, p50/p95/p99, errors and SQL
queries per request, next to a ceiling row measured in the same run: a plain Django view
(no DRF, no database). Targets are ratios to that ceiling. Nothing here is a timed test.

Phases (``--phases``, default all): catalog (the response cache off, cold, then on, warm),
commerce (carts, checkouts, reconciliation; tests/bench/commerce.py), leads (inquiries,
the sales list, rescoring, the email outbox; tests/bench/leads.py) and tracking (the public
lookup, the live stream on one uvicorn process, matching over 10,000 resources;
tests/bench/tracking.py) and reports (every authenticated list endpoint, deep cursor pages,
the analytics overview, million-row CSV exports, report generation through a worker, on
100,000 orders, a million order lines and stock movements and 200,000 inquiries;
tests/bench/reports.py). The catalog data is seeded whichever phases run.

    make bench
    make bench BENCH_ARGS="--duration 20 --products 2000"
    .venv/bin/python tests/bench/run.py --phases leads --duration 10
    .venv/bin/python tests/bench/run.py --phases tracking --duration 10
    .venv/bin/python tests/bench/run.py --phases reports --duration 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("report.lua")
BENCH_PASSWORD = "bench-Password-2026"
BENCH_EMAIL = "bench@example.com"
PHASES = ("catalog", "commerce", "leads", "tracking", "reports")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_sql(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def http(method: str, url: str, body: dict | None = None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
        return resp.status, json.loads(resp.read() or b"null")


def run_wrk(
    url: str,
    *,
    duration: int,
    connections: int,
    method="GET",
    body=None,
    auth=None,
    script=LUA,
    extra_env=None,
) -> dict:
    env = {
        **os.environ,
        **(extra_env or {}),
        "WRK_METHOD": method,
        "WRK_BODY": json.dumps(body) if body else "",
        "WRK_AUTH": auth or "",
    }
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        try:
            if http("GET", f"http://127.0.0.1:{port}/api/v1/status")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def stop_process(process: subprocess.Popen | None, *, grace: float = 10) -> None:
    """Stop a server or worker the bench started: SIGTERM (a warm shutdown), then SIGKILL if it
    is still running after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def stop_server(server: subprocess.Popen | None) -> None:
    stop_process(server)


def run_commerce(args, env: dict, port: int, base: str, client, *, out_dir: Path):
    """Add-to-cart (wrk), 2,000 checkouts from 8 clients, reconciliation of 50,000 payments."""
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.catalog.models import Variant
    from tests.bench import commerce
    from tests.bench.leads import broker_flush, queued_env
    from tests.fakes.stripe_fake import StripeFake

    out_dir.mkdir(parents=True, exist_ok=True)
    fake = StripeFake().start()
    # Tasks (the order emails) are queued as in production, not run inside the request.
    broker_flush(args.broker_url)
    commerce_env = {
        **queued_env(env, args.broker_url),
        "STRIPE_SECRET_KEY": fake.api_key,
        "STRIPE_API_BASE": fake.url,
        "STRIPE_WEBHOOK_SECRET": fake.webhook_secret,
        "PAYMENT_PROVIDERS": "*:stripe",
    }
    subprocess.run([sys.executable, "-m", "tests.bench.seed", "stock"], cwd=ROOT, env=env, check=True)
    rng = random.Random(7)  # noqa: S311 - a reproducible load, not security
    skus = list(Variant.objects.filter(sku__startswith="BENCH-").values_list("sku", flat=True))
    server = start_server(commerce_env, port)
    rows, facts = [], []
    try:
        ceiling = run_wrk(f"{base}/bench/ceiling", duration=args.duration, connections=args.connections)
        rows.append(("ceiling (plain Django JSON view)", args.connections, {**ceiling, "queries": 0}))
        carts = commerce.carts_file(port, 2000, skus, rng, out_dir)
        added = run_wrk(
            f"{base}/api/v1/carts",
            duration=args.duration,
            connections=args.connections,
            script=Path(__file__).with_name("cart.lua"),
            extra_env={"WRK_CARTS_FILE": str(carts)},
        )
        cart_id, token, sku = carts.read_text().split("\n")[0].split()
        with CaptureQueriesContext(connection) as queries:
            client.post(
                f"/api/v1/carts/{cart_id}/items", {"sku": sku, "quantity": 1},
                content_type="application/json", HTTP_X_CART_TOKEN=token,
            )  # fmt: skip
        rows.append(
            ("POST /carts/{id}/items (add to cart)", args.connections, {**added, "queries": len(queries)})
        )

        ready = commerce.make_carts(2000, 3, skus, rng)
        connection.close()
        checkouts = commerce.drive_checkouts(port, ready, clients=8)
        rows.append(("POST /checkout (3-line carts)", 8, {**checkouts, "queries": 0}))
        checks = commerce.check_no_oversell()
        facts.append(
            f"checkouts: {checkouts['requests']} sent, statuses {checkouts['statuses']}, "
            f"{checks['orders']} orders; after them: {checks['ledger_differences']} ledger differences, "
            f"{checks['levels_out_of_bounds']} stock levels out of bounds"
        )
        commerce.seed_reconciliation(fake, 50_000)
        connection.close()
        rec = commerce.run_reconciliation({**commerce_env, "DJANGO_SETTINGS_MODULE": "config.settings"})
        facts.append(
            f"reconciliation of {rec['provider_count']:,} Stripe payments against "
            f"{rec['local_count']:,} local ones: {rec['seconds']:.1f} s, "
            f"peak memory (the process's VmHWM) {rec['maxrss_mib']:.0f} MiB "
            f"(of which {rec['startup_mib']:.0f} MiB after start-up), {rec['issues']} issues"
        )
    finally:
        stop_server(server)
        fake.stop()
        broker_flush(args.broker_url)
    return rows, facts


def phases_arg(value: str) -> list[str]:
    chosen = [p.strip() for p in value.split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(PHASES))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"phases are {', '.join(PHASES)} (comma-separated)")
    return chosen


TABLE_HEADER = (
    f"{'endpoint':36} {'conns':>5} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
    f"{'p99 ms':>8} {'errors':>6} {'SQL/req':>7}"
)


def print_table(rows) -> None:
    """Rows as (name, connections, result); ratios to the first row (the ceiling)."""
    ceiling = rows[0][2]["rps"]
    print(TABLE_HEADER)
    print("-" * len(TABLE_HEADER))
    for name, conns, r in rows:
        print(
            f"{name:36} {conns:>5} {r['rps']:>9.1f} {r['rps'] / ceiling:>6.3f} {r['p50_ms']:>8.2f} "
            f"{r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>6} "
            f"{'-' if r['queries'] is None else r['queries']:>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--phases",
        type=phases_arg,
        default=list(PHASES),
        help=f"comma-separated, among {', '.join(PHASES)} (default: all)",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11"),
        help="commerce and leads phases: the server's Celery broker and results, with no worker "
        "(a dedicated Redis db, flushed after)",
    )
    parser.add_argument("--leads-inquiries", type=int, default=100_000, help="leads phase: open inquiries")
    parser.add_argument("--outbox-emails", type=int, default=2000, help="leads phase: emails to send")
    parser.add_argument("--tracking-shipments", type=int, default=5000, help="tracking phase: shipments")
    parser.add_argument("--stream-clients", type=int, default=200, help="tracking phase: SSE clients")
    parser.add_argument("--stream-events", type=int, default=10, help="tracking phase: events streamed")
    parser.add_argument("--resources", type=int, default=10_000, help="tracking phase: matching resources")
    parser.add_argument(
        "--report-orders", type=int, default=100_000, help="reports phase: orders (10 lines each)"
    )
    parser.add_argument("--movements", type=int, default=1_000_000, help="reports phase: stock movements")
    parser.add_argument("--report-inquiries", type=int, default=200_000, help="reports phase: inquiries")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: sudo apt-get install wrk")

    db = f"foundry_bench_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": f"{args.pg_url}/{db}",
        "REDIS_URL": args.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "THROTTLE_LOGIN_IP": "100000000/min",  # measure the endpoints, not the throttles
        "THROTTLE_LOGIN_EMAIL": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "BENCH_CEILING_ROUTE": "true",  # /bench/ceiling, the plain Django row
        # Without DEBUG a real payment provider is required; the catalog rows never call it.
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    }
    admin_sql(args.pg_url, f"CREATE DATABASE {db}")
    server = None
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "tests.bench.seed", "all", "--products", str(args.products)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        os.environ.update({**env, "CATALOG_CACHE_SECONDS": "0"})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.hashers import get_hasher
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from apps.accounts.services import user_create

        user_create(email=BENCH_EMAIL, password=BENCH_PASSWORD, full_name="Bench User")
        cache.clear()
        hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
        iterations = getattr(get_hasher(), "iterations", None)
        connection.close()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        slug = f"bench-{args.products // 2}"
        client = Client()

        def measure(name, method, path, *, body=None, token=None, conns=args.connections):
            result = run_wrk(
                f"{base}{path}",
                duration=args.duration,
                connections=conns,
                method=method,
                body=body,
                auth=f"Bearer {token}" if token else None,
            )
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            with CaptureQueriesContext(connection) as queries:
                if method == "GET":
                    client.get(path, **headers)
                else:
                    client.post(path, body, content_type="application/json", **headers)
            result["queries"] = len(queries)
            return (name, conns, result)

        rows, commerce_rows, commerce_facts, leads_rows, leads_facts, leads_figures = [], [], [], [], [], {}
        tracking_rows, tracking_facts, tracking_figures = [], [], {}
        reports_rows, reports_facts, reports_figures = [], [], {}
        out_dir = ROOT / "var" / "bench"
        if "catalog" in args.phases:
            # Phase 1: catalog response cache off (cold).
            server = start_server({**env, "CATALOG_CACHE_SECONDS": "0"}, port)
            _, login = http(
                "POST", f"{base}/api/v1/auth/login", {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
            )
            token = login["access"]
            run_wrk(f"{base}/api/v1/status", duration=2, connections=4)  # warm both workers
            rows.append(measure("ceiling (plain Django JSON view)", "GET", "/bench/ceiling"))
            rows.append(measure("GET /api/v1/status", "GET", "/api/v1/status"))
            rows.append(measure("GET /api/v1/health", "GET", "/api/v1/health"))
            rows.append(measure("GET /api/v1/auth/me (JWT)", "GET", "/api/v1/auth/me", token=token))
            rows.append(
                measure(
                    "POST /api/v1/auth/login",
                    "POST",
                    "/api/v1/auth/login",
                    body={"email": BENCH_EMAIL, "password": BENCH_PASSWORD},
                    conns=4,
                )
            )
            rows.append(measure("GET /products?page_size=20 (cold)", "GET", "/api/v1/products?page_size=20"))
            rows.append(measure("GET /products/{slug} (cold)", "GET", f"/api/v1/products/{slug}"))
            rows.append(measure("GET /search?q=archer tractor", "GET", "/api/v1/search?q=archer%20tractor"))
            stop_server(server)
            # Phase 2: catalog response cache on (warm).
            server = start_server({**env, "CATALOG_CACHE_SECONDS": "300"}, port)
            for path in ("/api/v1/products?page_size=20", f"/api/v1/products/{slug}"):
                http("GET", f"{base}{path}")
            rows.append(measure("GET /products?page_size=20 (warm)", "GET", "/api/v1/products?page_size=20"))
            rows.append(measure("GET /products/{slug} (warm)", "GET", f"/api/v1/products/{slug}"))
            stop_server(server)
            server = None
            connection.close()

        if "commerce" in args.phases:
            # Phase 3: commerce, against a Stripe fake on loopback.
            commerce_rows, commerce_facts = run_commerce(args, env, port, base, client, out_dir=out_dir)
            connection.close()

        if "leads" in args.phases:
            # Phase 4: leads and notifications (Celery not eager; a Resend fake for the outbox).
            from tests.bench import leads

            leads_rows, leads_facts, leads_figures = leads.run_leads(
                args, env, port, harness=sys.modules[__name__], password=BENCH_PASSWORD, out_dir=out_dir
            )
            connection.close()

        if "tracking" in args.phases:
            # Phase 5: tracking (the public lookup, the live stream on uvicorn, matching).
            from tests.bench import tracking

            tracking_rows, tracking_facts, tracking_figures = tracking.run_tracking(
                args, env, port, harness=sys.modules[__name__], out_dir=out_dir
            )
            connection.close()

        if "reports" in args.phases:
            # Phase 6: lists, deep pages, analytics, exports and reports on the scaled history.
            from tests.bench import reports

            reports_rows, reports_facts, reports_figures = reports.run_reports(
                args, env, port, harness=sys.modules[__name__], password=BENCH_PASSWORD, out_dir=out_dir
            )
            connection.close()

        print()
        print(
            f"Foundry benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — "
            f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"gunicorn 2 workers, PostgreSQL + Redis, {args.products:,} products, "
            f"wrk {args.duration}s per endpoint, phases: {', '.join(args.phases)}"
        )
        if rows:
            print_table(rows)
        if commerce_rows:
            print(
                "\nCommerce (a Stripe fake on loopback; ratios to the ceiling measured again in this phase)"
            )
            print_table(commerce_rows)
            for line in commerce_facts:
                print(line)
        if leads_rows:
            print(
                "\nLeads and notifications (Celery not eager, no worker during the HTTP rows; "
                "ratios to the ceiling measured again in this phase)"
            )
            print_table(leads_rows)
            for line in leads_facts:
                print(line)
        if tracking_rows:
            print("\nTracking (ratios to the ceiling measured again in this phase)")
            print_table(tracking_rows)
            for line in tracking_facts:
                print(line)
        if reports_rows:
            print("\nReports, lists and exports (ratios to the ceiling measured again in this phase)")
            print_table(reports_rows)
            for line in reports_facts:
                print(line)
        if rows:
            print(
                f"\nlogin hashes passwords with {hasher}"
                + (f" ({iterations:,} iterations)" if iterations else "")
                + "; its req/s is bounded by that cost on 2 cores. SQL/req is counted in-process with "
                "the response cache off."
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "latest.json").write_text(
            json.dumps(
                {
                    "phases": args.phases,
                    "ceiling_rps": rows[0][2]["rps"] if rows else None,
                    "products": args.products,
                    "hasher": hasher,
                    "iterations": iterations,
                    "rows": [{"endpoint": n, "connections": c, **r} for n, c, r in rows],
                    "commerce_rows": [{"endpoint": n, "connections": c, **r} for n, c, r in commerce_rows],
                    "commerce": commerce_facts,
                    "leads_rows": [{"endpoint": n, "connections": c, **r} for n, c, r in leads_rows],
                    "leads": leads_facts,
                    "leads_figures": leads_figures,
                    "tracking_rows": [{"endpoint": n, "connections": c, **r} for n, c, r in tracking_rows],
                    "tracking": tracking_facts,
                    "tracking_figures": tracking_figures,
                    "reports_rows": [{"endpoint": n, "connections": c, **r} for n, c, r in reports_rows],
                    "reports": reports_facts,
                    "reports_figures": reports_figures,
                },
                indent=2,
                default=str,
            )
        )
        return 0
    finally:
        stop_server(server)
        if not args.keep_db:
            admin_sql(args.pg_url, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
