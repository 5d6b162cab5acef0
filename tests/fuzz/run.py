#!/usr/bin/env python
"""API fuzzing gate (CI): schemathesis against the generated OpenAPI schema on a live server.

A throwaway database (SQLite in a temp dir, or a new one on PostgreSQL) is migrated and loaded with
the demo data; gunicorn serves it; schemathesis then runs every operation twice, authenticated
as the demo admin and as a demo customer, with every check schemathesis has (``--checks all``)
in all four phases: the schema's examples, coverage of its boundaries, random fuzzing and
stateful sequences that follow the links between operations. Any finding fails the run.

Operations that end the caller's own session (logout, erasing one's account, DELETE /auth/me)
are left out of the run, or the rest of it would only see 401s; they have their own tests.

    .venv/bin/python tests/fuzz/run.py                  # SQLite: what .ci/run calls first
    .venv/bin/python tests/fuzz/run.py --postgres postgres://postgres@127.0.0.1:5432
    .venv/bin/python tests/fuzz/run.py --max-examples 100 --seed 1

``--postgres`` creates a throwaway database on that server and drops it afterwards.
Accepted deviations of the API from schemathesis' defaults live in ``schemathesis.toml`` beside
this file, each with its reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SELF_ENDING = r"^/api/v1/auth/(logout|me)$"  # logout; DELETE/PATCH of one's own account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(base: str, email: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access"]


def create_database(server_url: str) -> tuple[str, str]:
    """A new, empty PostgreSQL database on ``server_url``: (its URL, its name)."""
    import psycopg

    name = f"foundry_fuzz_{os.getpid()}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}", name


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument(
        "--postgres", default="", metavar="URL",
        help="a PostgreSQL server (postgres://user@host:port): fuzz on a new database there",
    )  # fmt: skip
    parser.add_argument("--report-dir", default="", help="keep schemathesis' ndjson reports here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="foundry-fuzz-"))
    pg_server = args.postgres.rstrip("/")
    pg_name = ""
    if pg_server:
        database_url, pg_name = create_database(pg_server)
    else:
        database_url = f"sqlite:///{workdir}/fuzz.sqlite3"
    print(f"fuzzing on {database_url}", flush=True)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "true",
        "MEDIA_ROOT": str(workdir / "media"),
        "REPORTS_ROOT": str(workdir / "reports"),
        "EMAIL_PROVIDER": "console",
        "DEMO_PASSWORD": "fuzz-Password-2026",
        # Tokens are taken once, before the run: they must outlive it.
        "JWT_ACCESS_MINUTES": "240",
        # The fuzzer sends thousands of requests from one address: no per-IP limits here.
        "LEADS_INQUIRY_THROTTLE_MINUTE": "", "LEADS_INQUIRY_THROTTLE_DAY": "", "TRACKING_THROTTLE_RATE": "",
        "ANALYTICS_THROTTLE_RATE": "", "RFQ_THROTTLE_BURST": "", "RFQ_THROTTLE_DAILY": "",
    }  # fmt: skip
    python = str(ROOT / ".venv/bin/python")
    manage = [python, "manage.py"]
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed in finally
    server = None
    try:
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--workers", "3", "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning",
             # No request-line limit: a long generated query reaches the application (gunicorn's
             # own 414 is an HTML page, from the server in front of the API, not the API).
             "--limit-request-line", "0"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/v1/status", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        users = (("admin", "admin@foundry.local"), ("customer", "amaka@example.com"))
        tokens = {who: login(base, email, env["DEMO_PASSWORD"]) for who, email in users}
        failures = 0
        for who, email in users:
            command = [
                str(ROOT / ".venv/bin/schemathesis"), "--config-file", str(CONFIG), "run",
                f"{base}/api/v1/schema", "-H", f"Authorization: Bearer {tokens[who]}",
                "--checks", "all", "--max-examples", str(args.max_examples), "--phases", args.phases,
                "-w", "4", "--exclude-path-regex", SELF_ENDING, "--no-color",
            ]  # fmt: skip
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            if args.report_dir:
                command += ["--report", "ndjson", "--report-ndjson-path",
                            str(Path(args.report_dir).resolve() / f"{who}.ndjson")]  # fmt: skip
            print(f"\n=== schemathesis as the {who} ({email}) ===", flush=True)
            result = subprocess.run(command, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
            failures += result.returncode != 0
        return 1 if failures else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        log.close()
        server_log = (workdir / "server.log").read_text()
        if "Traceback" in server_log or (server is not None and server.returncode not in (0, -15, None)):
            print(server_log[-20000:])
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            drop_database(pg_server, pg_name)


if __name__ == "__main__":
    sys.exit(main())
