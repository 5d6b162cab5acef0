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


def test_a_burst_of_threads_with_their_own_cache_objects_shares_one_bounded_pool():
    """Under ASGI every request's sync code runs in a thread of its own with its own cache
    object: 200 of them at once must share one pool (not 200) and none may fail for want of a
    connection (the pool is bounded and blocking: they wait their turn)."""
    from django.core.cache import caches

    from apps.core.cache_backends import RedisCache

    alias = settings.CACHES["default"]
    barrier, errors, pools = threading.Barrier(200, timeout=30), [], set()

    def worker(n):
        try:
            mine = RedisCache(alias["LOCATION"], {**alias, "OPTIONS": alias.get("OPTIONS", {})})
            barrier.wait()
            mine.set(f"backend:burst:{n}", n, 30)
            assert mine.get(f"backend:burst:{n}") == n
            pools.add(id(mine._cache._get_connection_pool(write=True)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(pools) == 1
    pool = caches["default"]._cache._get_connection_pool(write=True)
    assert len(pool._connections) <= settings.CACHES["default"]["OPTIONS"]["max_connections"]
