import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_health_reports_every_check_with_timings(api_client):
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["ms"] >= 0


def test_health_is_degraded_but_200_when_the_cache_fails(api_client, monkeypatch):
    from apps.core import health

    def broken():
        raise ConnectionError("cache down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"]["status"] == "error"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_health_is_503_when_the_database_is_unreachable():
    """A separate process whose DATABASE_URL points at a closed port answers 503."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/v1/health');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/nowhere",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert result["body"]["status"] == "down"
    assert result["body"]["checks"]["database"]["status"] == "error"
    assert result["body"]["checks"]["cache"]["status"] == "ok"


def test_status_gives_version_sha_uptime_and_time(api_client, settings):
    settings.GIT_SHA = "abc1234"
    body = api_client.get("/api/v1/status").json()
    assert body["version"] == settings.FOUNDRY_VERSION
    assert body["git_sha"] == "abc1234"
    assert body["uptime_seconds"] >= 0
    assert body["server_time"].endswith("Z") or "+00:00" in body["server_time"]


def test_health_and_status_need_no_auth_even_with_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api_client.get("/api/v1/health").status_code == 200
    assert api_client.get("/api/v1/status").status_code == 200


def test_health_lists_the_payable_currencies_and_stays_ok_without_a_provider(api_client, settings):
    settings.PAYMENTS_OFFLINE, settings.PAYMENTS_OFFLINE_FALLBACK = False, False
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "", ""
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert body["payments"] == {"NGN": "unavailable", "USD": "unavailable", "*": "unavailable"}


def test_a_failing_report_does_not_break_the_health_answer(api_client, monkeypatch):
    from apps.core import health

    def broken():
        raise RuntimeError("no")

    monkeypatch.setitem(health.REPORTS, "payments", broken)
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["payments"] == "error: RuntimeError"
