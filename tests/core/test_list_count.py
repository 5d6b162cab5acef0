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


def test_the_key_is_the_from_and_where_of_the_query():
    """Columns and order change no count and are left out of the key (compiling them cost more
    than the cache saved); the filters, the tables they join, DISTINCT and slices stay in."""
    from apps.core.pagination import _count_key_sql

    def key(queryset):
        return _count_key_sql(queryset.query)

    logs = ActivityLog.objects.all()
    assert key(logs.order_by("created_at")) == key(logs.order_by("-action").select_related("actor"))
    assert key(logs.only("id")) == key(logs.values("action", "entity_type"))
    assert key(logs.filter(action="update")) != key(logs.filter(action="create"))
    assert key(logs.filter(actor__email="a@example.com")) != key(logs.filter(actor_email="a@example.com"))
    assert key(logs.values("action").distinct()) != key(logs.values("entity_type").distinct())
    assert key(logs[:5]) != key(logs[:6])


def test_a_page_read_as_values_is_counted_without_its_joins(auth_client, settings):
    """The stock list reads sku, product and warehouse through joins; its count does not
    need them (every level has them) and counts the levels alone."""
    from tests.orders.factories import sellable

    settings.LIST_COUNT_CACHE_SECONDS = 0
    for sku in ("CNT-1", "CNT-2", "CNT-3"):
        sellable(sku, on_hand=3, warehouse=None if sku == "CNT-1" else _main_warehouse())
    with CaptureQueriesContext(connection) as queries:
        body = auth_client("admin").get("/api/v1/inventory/stock").json()
    assert body["count"] == 3 and len(body["results"]) == 3
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1 and "JOIN" not in counts[0], counts


def _main_warehouse():
    from apps.inventory.models import Warehouse

    return Warehouse.objects.get(code="main")
