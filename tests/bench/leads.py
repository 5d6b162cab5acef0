"""The leads and notifications benchmark (phase 4 of ``make bench``).

- Public ``POST /api/v1/inquiries`` (20 active scoring rules, throttles off, 8 connections;
  a different inquiry per request, inquiry.lua). Celery is NOT eager on the server: the two
  outbox emails of each inquiry are queued to a dedicated Redis database with no worker
  (flushed afterwards), as in production, instead of being sent inside the request.
- Staff ``GET /api/v1/inquiries?page_size=20`` as a plain sales user who sees only the ~300
  inquiries assigned to them (a filter on the assignee) among 100,000+ (16 connections).
- Rescoring the 100,000 open inquiries after a rule change: the service run directly in a
  subprocess (seconds, and the peak memory of that process from /proc/self/status VmHWM).
- Outbox throughput: N pending emails sent by one real Celery worker process (solo pool)
  through anymail's Resend backend to the Resend fake on loopback; emails/s from the rows'
  sent_at timestamps.

Data: ``python -m tests.bench.seed leads`` (tests/bench/seed.py).
The ``_*_main`` functions run in subprocesses (``python -c``), with the phase's environment.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INQUIRY_LUA = Path(__file__).with_name("inquiry.lua")
OUTBOX_QUEUE = "bench-outbox"
PROBE_INQUIRY = {
    "inquiry_type": "sales",
    "full_name": "Probe Client",
    "email": "probe@bench.example",
    "company": "Probe Farms Ltd",
    "country": "NG",
    "message": "We need an urgent quote for 4 tractors.",
    "source": "bench",
    "metadata": {"budget": 250000, "org_type": "government", "products": ["tractor"], "timeline": "1 month"},
}
TARGETS = {"post": 0.06, "list": 0.10, "rescore_seconds": 120, "outbox_per_second": 50}


# --- Environment and helpers ------------------------------------------------------------------


def queued_env(env: dict, broker_url: str) -> dict:
    """A web tier as in production: Celery not eager (emails and other tasks are queued, not
    run inside the request), its broker and results in a dedicated Redis database that no
    worker reads (flushed by the phase)."""
    return {
        **env,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
    }


def leads_env(env: dict, broker_url: str) -> dict:
    """The phase's environment: tasks queued (``queued_env``; the outbox worker reads its own
    queue), the public inquiry throttles off (empty rates)."""
    return {
        **queued_env(env, broker_url),
        "LEADS_INQUIRY_THROTTLE_MINUTE": "",
        "LEADS_INQUIRY_THROTTLE_DAY": "",
        "LEADS_AUTO_ASSIGN": "false",
    }


def broker_flush(broker_url: str) -> int:
    """Empty the phase's Redis database (the tasks queued with no worker); returns the number
    of keys it held."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = client.dbsize()
        client.flushdb()
        return keys
    finally:
        client.close()


def _hwm_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def _emit(payload: dict) -> None:
    print("BENCH_JSON " + json.dumps(payload), flush=True)


def _run_main(env: dict, function: str, *args: str, module: str = "tests.bench.leads") -> dict:
    """Run ``<module>.<function>(*args)`` in a fresh Python (Django set up with ``env``) and
    return the BENCH_JSON it printed."""
    code = f"import sys, django; django.setup(); from {module} import {function}; {function}(*sys.argv[1:])"
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(
            f"{function} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
        )
    line = next(line for line in out.stdout.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


# --- Seeding ----------------------------------------------------------------------------------


def seed(env: dict, *, inquiries: int, password: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.seed",
            "leads",
            "--inquiries",
            str(inquiries),
            "--password",
            password,
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    vacuum(env)
    return time.perf_counter() - started


def vacuum(env: dict) -> None:
    code = "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


# --- SQL queries per request (in-process Django test client, in a subprocess) ------------------


def probe_queries(env: dict, token: str) -> dict:
    """One POST and one staff list through the Django test client, with the server's settings
    (Celery not eager), counting SQL queries."""
    return _run_main(env, "_probe_main", token)


def _probe_main(token: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as posted:
        post = client.post("/api/v1/inquiries", PROBE_INQUIRY, content_type="application/json")
    with CaptureQueriesContext(connection) as listed:
        listing = client.get("/api/v1/inquiries", {"page_size": 20}, HTTP_AUTHORIZATION=f"Bearer {token}")
    body = listing.json()
    _emit(
        {
            "post_status": post.status_code,
            "post_queries": len(posted),
            "list_status": listing.status_code,
            "list_queries": len(listed),
            "list_count": body.get("count"),
            "list_page": len(body.get("results", [])),
        }
    )


# --- Rescoring --------------------------------------------------------------------------------


def run_rescoring(env: dict) -> dict:
    return _run_main(env, "_rescore_main")


def _rescore_main() -> None:
    """A rule change through the service (its own rescoring task goes to the phase's broker,
    which no worker reads), then the rescoring service, timed, in this process."""
    from apps.leads.models import Inquiry, LeadScoringRule
    from apps.leads.services import rules
    from tests.bench.seed import QUOTE_RULE

    startup = _hwm_mib()
    open_count = Inquiry.objects.open().count()
    rule = LeadScoringRule.objects.get(rule_name=QUOTE_RULE)
    rules.rule_update(rule=rule, data={"score_value": rule.score_value + 2}, actor=None)
    started = time.perf_counter()
    result = rules.inquiries_rescore()
    _emit(
        {
            "seconds": time.perf_counter() - started,
            "open": open_count,
            "seen": result["seen"],
            "changed": result["changed"],
            "peak_mib": _hwm_mib(),
            "startup_mib": startup,
        }
    )


# --- Outbox -----------------------------------------------------------------------------------


def _outbox_enqueue_main(count: str) -> None:
    """``count`` inquiry confirmations queued through the outbox in one transaction (rows and,
    on commit, their send tasks on OUTBOX_QUEUE); prints their ids."""
    from django.db import transaction

    from apps.leads.models import Inquiry
    from apps.notifications import api as notifications

    sources = list(Inquiry.objects.order_by("pk")[: int(count)])
    started = time.perf_counter()
    ids = []
    with transaction.atomic():
        for inquiry in sources:
            context = {
                "inquiry": {
                    "id": str(inquiry.pk),
                    "reference": str(inquiry.pk).split("-")[0].upper(),
                    "full_name": inquiry.full_name,
                    "inquiry_type_label": inquiry.get_inquiry_type_display(),
                    "company": inquiry.company,
                    "message": inquiry.message,
                }
            }
            message = notifications.email_queue(
                to=f"outbox-{inquiry.pk.hex[:12]}@bench.example",
                template="inquiry_confirmation",
                context=context,
                related=inquiry,
            )
            ids.append(str(message.pk))
    _emit({"ids": ids, "queue_seconds": time.perf_counter() - started})


def run_outbox(env: dict, *, harness, count: int, log_path: Path) -> dict:
    """Queue ``count`` emails, start one Celery worker (solo pool) on their queue with the
    Resend backend pointed at the Resend fake, wait until every row is ``sent`` (polling the
    database), stop the worker. Throughput from the rows' sent_at (first to last), and wall
    time from the worker's start."""
    from apps.notifications.models import EmailMessage
    from tests.notifications.fakes import ResendFake

    fake = ResendFake().start()
    outbox_env = {
        **env,
        "CELERY_TASK_DEFAULT_QUEUE": OUTBOX_QUEUE,
        "EMAIL_PROVIDER": "resend",
        "EMAIL_API_KEY": fake.api_key,
        "EMAIL_API_URL": fake.url,
    }
    worker = None
    try:
        queued = _run_main(outbox_env, "_outbox_enqueue_main", str(count))
        ids = queued["ids"]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w") as log:
            started = time.perf_counter()
            worker = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--pool", "solo",
                    "--concurrency", "1", "-Q", OUTBOX_QUEUE, "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "--loglevel", "WARNING",
                ],
                cwd=ROOT, env=outbox_env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        rows = EmailMessage.objects.filter(pk__in=ids)
        deadline = time.monotonic() + max(120, count / 10)
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the outbox worker exited ({worker.returncode}); see {log_path}")
            if not rows.exclude(status__in=[EmailMessage.Status.SENT, EmailMessage.Status.FAILED]).exists():
                break
            time.sleep(0.25)
        wall = time.perf_counter() - started
        sent = rows.filter(status=EmailMessage.Status.SENT)
        times = sorted(sent.values_list("sent_at", flat=True))
        span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
        return {
            "queued": len(ids),
            "sent": len(times),
            "failed": rows.filter(status=EmailMessage.Status.FAILED).count(),
            "received_by_fake": len(fake.emails),
            "per_second": (len(times) - 1) / span if span else 0.0,
            "span_seconds": span,
            "wall_seconds": wall,
            "queue_seconds": queued["queue_seconds"],
        }
    finally:
        harness.stop_process(worker, grace=30)  # warm shutdown
        fake.stop()


# --- The phase --------------------------------------------------------------------------------


def run_leads(args, env: dict, port: int, *, harness, password: str, out_dir: Path):
    """Seed, rescoring, outbox, then the HTTP rows against gunicorn. ``harness`` is run.py
    (start_server, stop_server, run_wrk, http). Returns (rows, facts, figures)."""
    from django.db import connection

    from tests.bench.seed import BENCH_SALES_EMAIL

    base = f"http://127.0.0.1:{port}"
    phase_env = leads_env(env, args.broker_url)
    leftover = broker_flush(args.broker_url)
    if leftover:
        print(f"note: {args.broker_url} held {leftover} keys; flushed", file=sys.stderr)
    rows, facts, figures = [], [], {}
    server = None
    try:
        seed_seconds = seed(phase_env, inquiries=args.leads_inquiries, password=password)
        facts.append(
            f"seeded {args.leads_inquiries:,} open inquiries (+ closed ones) in {seed_seconds:.0f} s"
        )

        rescore = run_rescoring(phase_env)
        figures["rescoring"] = rescore
        facts.append(
            f"rescoring {rescore['seen']:,} open inquiries after a rule change: {rescore['seconds']:.1f} s "
            f"({rescore['changed']:,} changed), peak memory (the process's VmHWM) "
            f"{rescore['peak_mib']:.0f} MiB (of which {rescore['startup_mib']:.0f} MiB after start-up) "
            f"— target < {TARGETS['rescore_seconds']} s"
        )
        vacuum(phase_env)  # the rescoring left dead tuples behind

        connection.close()
        outbox = run_outbox(
            phase_env, harness=harness, count=args.outbox_emails, log_path=out_dir / "outbox-worker.log"
        )
        connection.close()
        figures["outbox"] = outbox
        facts.append(
            f"outbox: {outbox['sent']:,}/{outbox['queued']:,} emails sent by 1 worker process (solo pool, "
            f"Resend fake), {outbox['failed']} failed: {outbox['per_second']:.1f} emails/s "
            f"(first to last sent_at, {outbox['span_seconds']:.1f} s; {outbox['wall_seconds']:.1f} s "
            f"from the worker's start) — target ≥ {TARGETS['outbox_per_second']}/s"
        )
        broker_flush(args.broker_url)

        server = harness.start_server(phase_env, port)
        _, login = harness.http(
            "POST", f"{base}/api/v1/auth/login", {"email": BENCH_SALES_EMAIL, "password": password}
        )
        token = login["access"]
        harness.run_wrk(f"{base}/api/v1/status", duration=2, connections=4)  # warm both workers
        ceiling = harness.run_wrk(
            f"{base}/bench/ceiling", duration=args.duration, connections=args.connections
        )
        rows.append(("ceiling (plain Django JSON view)", args.connections, {**ceiling, "queries": 0}))
        posted = harness.run_wrk(
            f"{base}/api/v1/inquiries",
            duration=args.duration,
            connections=8,
            script=INQUIRY_LUA,
            extra_env={"WRK_RUN": str(int(time.time()))},
        )
        listed = harness.run_wrk(
            f"{base}/api/v1/inquiries?page_size=20",
            duration=args.duration,
            connections=16,
            auth=f"Bearer {token}",
        )
        harness.stop_server(server)
        server = None
        probe = probe_queries(phase_env, token)
        figures["probe"] = probe
        rows.append(("POST /inquiries (20 rules, public)", 8, {**posted, "queries": probe["post_queries"]}))
        rows.append(("GET /inquiries?page_size=20 (sales)", 16, {**listed, "queries": probe["list_queries"]}))
        facts.append(
            f"the sales user's list: {probe['list_count']} visible inquiries, pages of {probe['list_page']}; "
            f"POST answered {probe['post_status']}, list {probe['list_status']} in the query probe"
        )
        ratio = ceiling["rps"]
        facts.append(
            f"targets: POST ≥ {TARGETS['post']} × ceiling (got {posted['rps'] / ratio:.3f}), "
            f"list ≥ {TARGETS['list']} × ceiling (got {listed['rps'] / ratio:.3f})"
        )
    finally:
        harness.stop_server(server)
        broker_flush(args.broker_url)
    return rows, facts, figures
