"""Health checks of the real parts: database, cache, broker, storage (each timed), and the
reports other apps add (``report_register``): facts an operator wants at a glance, such as which
currencies can be paid, that never make the platform degraded."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)
REPORTS: dict[str, Callable[[], object]] = {}


def report_register(name: str, report: Callable[[], object]) -> None:
    """Add ``name: report()`` to the health answer (from an app's ``ready()``): information only,
    it never changes the status."""
    REPORTS[name] = report


def run_reports() -> dict:
    reports = {}
    for name, report in REPORTS.items():
        try:
            reports[name] = report()
        except Exception as exc:  # noqa: BLE001 - a report must not break the health answer
            logger.warning("health report %s failed: %s", name, exc)
            reports[name] = f"error: {type(exc).__name__}"
    return reports


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        detail = f"{type(exc).__name__}: {exc}"[:300]
        status = "error"
    result = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 2)}
    if detail:
        result["detail"] = detail
    return result


def check_database():
    # The health check must answer quickly even with the database down.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (tasks run in-process; no broker configured)"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else "connected"


def check_storage():
    default_storage.exists("health/.probe")
    return type(default_storage).__name__


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def run_checks() -> tuple[str, dict, bool]:
    """Returns (overall status, checks, database_ok)."""
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    database_ok = checks["database"]["status"] == "ok"
    overall = "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"
    return overall, checks, database_ok
