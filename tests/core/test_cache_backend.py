"""The Redis cache backend (apps.core.cache_backends) on the real Redis: values round-trip
and every call reuses one client per connection pool instead of building one per call."""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
    reason="needs REDIS_URL (CI's PostgreSQL + Redis run)",
)


def test_values_round_trip_and_the_client_is_shared():
    cache.set("backend:probe", {"n": 1}, 30)
    cache.set_many({"backend:a": b"bytes", "backend:b": 2}, 30)
    assert cache.get("backend:probe") == {"n": 1}
    assert cache.get_many(["backend:a", "backend:b", "backend:none"]) == {
        "backend:a": b"bytes",
        "backend:b": 2,
    }
    assert cache.incr("backend:b") == 3
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client


def test_threads_share_it_safely():
    errors = []

    def worker(n):
        try:
            for i in range(50):
                cache.set(f"backend:t{n}:{i}", i, 30)
                assert cache.get(f"backend:t{n}:{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
