"""The page envelope's count: exact for small lists, counted once per LIST_COUNT_CACHE_SECONDS
for large ones (apps.core.pagination.list_count); the caller's filters are part of the key."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import ActivityLog

pytestmark = pytest.mark.django_db


def _log(n: int, entity_type: str = "demo.row") -> None:
    ActivityLog.objects.bulk_create(
        [ActivityLog(actor_email="a@example.com", action="update", entity_type=entity_type) for _ in range(n)]
    )


def _count_queries(queries) -> int:
    return sum("COUNT(*)" in q["sql"] for q in queries.captured_queries)


def test_a_large_lists_count_is_counted_once_per_period(admin_client_api, settings):
    settings.LIST_COUNT_CACHE_MIN_ROWS = 5
    settings.LIST_COUNT_CACHE_SECONDS = 60
    _log(6)
    with CaptureQueriesContext(connection) as first:
        assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 6
    _log(1)
    with CaptureQueriesContext(connection) as second:
        assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 6
    assert (_count_queries(first), _count_queries(second)) == (1, 0)
    # Another filter is another query: counted on its own, exactly.
    _log(2, entity_type="other.row")
    assert admin_client_api.get("/api/v1/activity-logs?entity_type=other.row").json()["count"] == 2


def test_a_small_lists_count_is_always_exact(admin_client_api, settings):
    settings.LIST_COUNT_CACHE_MIN_ROWS = 100
    _log(3)
    assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 3
    _log(1)
    with CaptureQueriesContext(connection) as queries:
        assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 4
    assert _count_queries(queries) == 1


def test_zero_seconds_turns_the_cache_off(admin_client_api, settings):
    settings.LIST_COUNT_CACHE_MIN_ROWS = 1
    settings.LIST_COUNT_CACHE_SECONDS = 0
    _log(2)
    assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 2
    _log(1)
    assert admin_client_api.get("/api/v1/activity-logs?entity_type=demo.row").json()["count"] == 3
