#!/usr/bin/env python
"""API fuzzing gate (CI): schemathesis against the generated OpenAPI schema on a live server.

A throwaway database (SQLite in a temp dir, or ``--database-url``) is migrated and loaded with
the demo data; gunicorn serves it; schemathesis then runs every operation twice, authenticated
as the demo admin and as a demo customer, with the checks the issue names: no 5xx
(``not_a_server_error``), responses conform to the schema (``response_schema_conformance``),
status codes documented (``status_code_conformance``). Any finding fails the run (exit 1).

Operations that end the caller's own session (logout, erasing one's account, DELETE /auth/me)
are left out of the run, or the rest of it would only see 401s; they have their own tests.

    .venv/bin/python tests/fuzz/run.py                  # what .ci/run calls
    .venv/bin/python tests/fuzz/run.py --max-examples 100 --seed 1
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
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="foundry-fuzz-"))
    database_url = args.database_url or f"sqlite:///{workdir}/fuzz.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "true",
        "MEDIA_ROOT": str(workdir / "media"),
        "REPORTS_ROOT": str(workdir / "reports"),
        "EMAIL_PROVIDER": "console",
        "DEMO_PASSWORD": "fuzz-Password-2026",
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
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/v1/status", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        failures = 0
        for who, email in (("admin", "admin@foundry.local"), ("customer", "amaka@example.com")):
            token = login(base, email, env["DEMO_PASSWORD"])
            command = [
                str(ROOT / ".venv/bin/schemathesis"), "run", f"{base}/api/v1/schema",
                "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
                "--max-examples", str(args.max_examples), "--phases", "examples,fuzzing", "-w", "4",
                "--exclude-path-regex", SELF_ENDING, "--no-color",
            ]  # fmt: skip
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            print(f"\n=== schemathesis as the {who} ({email}) ===", flush=True)
            result = subprocess.run(command, cwd=ROOT, env=env)
            failures += result.returncode != 0
        return 1 if failures else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        log.close()
        if server is not None and server.returncode not in (0, -15, None):
            print((workdir / "server.log").read_text()[-5000:])
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
