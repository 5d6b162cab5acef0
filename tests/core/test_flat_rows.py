"""Lists rendered from values (``apps.core.flat_rows``) answer exactly what the serializer
answers: for every view that uses ``FlatListMixin``, the same request with the fast path and
with it switched off gives the same bytes (filters, pages, cursor links, nested refunds, NULL
relations). And ``FlatRows.build`` refuses what it cannot read from values, so such a
serializer renders as usual instead of wrongly."""

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from apps.catalog.models import Variant
from apps.core import flat_rows
from apps.core.flat_rows import FlatListMixin, FlatRows
from apps.core.models import ActivityLog
from apps.inventory.models import StockLevel, StockMovement
from apps.orders.models import Order, Payment
from tests.orders.factories import sellable
from tests.orders.test_orders_api import pay, place

pytestmark = pytest.mark.django_db

FLAT_LISTS = {
    "/api/v1/activity-logs",
    "/api/v1/orders",
    "/api/v1/payments",
    "/api/v1/inventory/stock",
    "/api/v1/inventory/movements",
}


def _views(patterns, prefix=""):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), getattr(pattern.callback, "view_class", None)


def test_the_flat_lists_are_these():
    """A view that starts using FlatListMixin is added to the comparison below."""
    flat = {
        "/" + path.rstrip("/?$").replace("^", "").removesuffix("/")
        for path, view in _views(get_resolver().url_patterns)
        if view is not None and issubclass(view, FlatListMixin)
    }
    assert flat == FLAT_LISTS


@pytest.fixture
def history(auth_client):
    """Orders in several states, payments with none, one and two refunds, stock levels with and
    without their own threshold, movements with and without an actor."""
    customer = auth_client("customer")
    sellable("FLAT-1", usd="100.00", on_hand=8)
    sellable("FLAT-2", usd="19.99", on_hand=2)
    orders = [place(customer, sku="FLAT-1") for _ in range(4)] + [place(customer, sku="FLAT-2")]
    for order in orders[:3]:
        pay(order)
    finance = auth_client("finance")
    for amount in ("10.00", "5.50"):
        url = f"/api/v1/orders/{orders[0].number}/refunds"
        assert finance.post(url, {"amount": amount, "reason": "dent"}, format="json").status_code == 201
    url = f"/api/v1/orders/{orders[1].number}/refunds"
    assert finance.post(url, {"amount": "115.00", "restock": True}, format="json").status_code == 201
    logistics = auth_client("logistics")
    adjustment = {
        "sku": "FLAT-2",
        "warehouse": "main",
        "quantity_delta": 3,
        "reason": "received",
        "note": "=1+1",
    }
    assert logistics.post("/api/v1/inventory/adjustments", adjustment, format="json").status_code == 201
    StockLevel.objects.filter(variant__sku="FLAT-1").update(low_stock_threshold=9)
    ActivityLog.objects.create(
        action="sweep", entity_type="orders.order", entity_id="x", before={"a": [1, None, "é"]},
        after={}, ip_address="2001:db8::1", user_agent="beat",
    )  # fmt: skip
    assert StockMovement.objects.filter(actor__isnull=True).exists()
    assert StockMovement.objects.filter(actor__isnull=False).exists()
    assert Payment.objects.filter(refunds__isnull=True).exists()
    return orders


def both(client, path, params=None):
    """(fast response, classic response), after checking the fast path did render rows."""
    rendered = []
    real_render = FlatRows.render

    def spy(self, rows):
        rendered.append(len(rows))
        return real_render(self, rows)

    with mock.patch.object(FlatRows, "render", spy):
        fast = client.get(path, params or {})
    with mock.patch.object(flat_rows, "_flat_rows", lambda *args: None):
        classic = client.get(path, params or {})
    assert fast.status_code == classic.status_code == 200, (fast.content, classic.content)
    assert rendered and rendered[0] > 0, "the fast path did not run"
    return fast, classic


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/orders", {}),
        ("/api/v1/orders", {"status": "paid"}),
        ("/api/v1/orders", {"page_size": 2, "page": 2}),
        ("/api/v1/orders", {"search": "ada@example.com"}),
        ("/api/v1/payments", {}),
        ("/api/v1/payments", {"status": "succeeded", "page_size": 2}),
        ("/api/v1/inventory/stock", {}),
        ("/api/v1/inventory/stock", {"sku": "FLAT-1"}),
        ("/api/v1/inventory/stock", {"low_stock": "true"}),
        ("/api/v1/inventory/movements", {}),
        ("/api/v1/inventory/movements", {"sku": "FLAT-2"}),
        ("/api/v1/activity-logs", {}),  # before/after JSON, IP addresses, NULL actors
        ("/api/v1/activity-logs", {"action": "refund", "page_size": 1}),
    ],
)
def test_flat_and_classic_give_the_same_bytes(history, auth_client, path, params):
    fast, classic = both(auth_client("admin"), path, params)
    assert fast.content == classic.content
    results = fast.json()["results"]
    assert results


def test_nested_refunds_and_null_relations_come_through(history, auth_client):
    admin = auth_client("admin")
    payments, _ = both(admin, "/api/v1/payments")
    by_order = {p["order"]: p for p in payments.json()["results"]}
    refunded = by_order[history[0].number]
    assert [r["amount"] for r in refunded["refunds"]] == ["5.50", "10.00"]  # newest first
    assert by_order[history[3].number]["refunds"] == []
    assert by_order[history[0].number]["amount"] == str(Decimal("115.00"))
    movements, _ = both(admin, "/api/v1/inventory/movements")
    actors = {m["actor"] for m in movements.json()["results"]}
    assert None in actors and len(actors) > 1


def test_cursor_pages_walk_the_same_way(history, auth_client):
    admin = auth_client("admin")
    fast, classic = both(admin, "/api/v1/inventory/movements", {"page_size": 2})
    assert fast.content == classic.content
    seen = []
    url = fast.json()["next"]
    while url:
        fast, classic = both(admin, url)
        assert fast.content == classic.content
        seen += [m["id"] for m in fast.json()["results"]]
        url = fast.json()["next"]
    assert len(seen) == StockMovement.objects.count() - 2
    back, back_classic = both(admin, fast.json()["previous"])
    assert back.content == back_classic.content


class _Base(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "sku"]


def _variant_serializer(**declared):
    meta = type("Meta", (), {"model": Variant, "fields": ["id", "sku", *declared]})
    return type("S", (serializers.ModelSerializer,), {**declared, "Meta": meta})


@pytest.mark.parametrize(
    "declared",
    [
        {"extra": serializers.SerializerMethodField()},
        {"extra": serializers.CharField(source="product.__str__")},  # a method, not a column
        {"extra": serializers.CharField(source="product")},  # a relation rendered as str()
        {"extra": serializers.CharField(source="*")},
        {"extra": serializers.CharField(source="product.name", default="?")},
        {"extra": serializers.SlugRelatedField(source="product", slug_field="name", read_only=True)},
    ],
    ids=["method-field", "method-source", "relation-as-text", "star", "non-null-default", "slug-related"],
)
def test_what_values_cannot_give_renders_as_usual(declared):
    assert FlatRows.build(_Base, Variant) is not None
    assert FlatRows.build(_variant_serializer(**declared), Variant) is None


def test_a_custom_to_representation_renders_as_usual():
    class Custom(_Base):
        def to_representation(self, instance):
            return {"sku": instance.sku.lower()}

    assert FlatRows.build(Custom, Variant) is None


def test_the_order_list_is_read_without_model_instances(history, auth_client):
    with mock.patch.object(Order, "from_db", side_effect=AssertionError("an Order was built")):
        fast = auth_client("admin").get("/api/v1/orders")
    assert fast.status_code == 200 and len(fast.json()["results"]) == 5


@pytest.mark.postgres
def test_on_postgresql_the_pages_run_as_prepared_statements(history, auth_client, settings):
    """The pages' statements are prepared as every query is (DATABASE_PREPARED_STATEMENTS): from
    their fifth run on a connection, the page and the payments' refunds are planned once."""
    from django.db import connection

    admin = auth_client("admin")
    for _ in range(6):
        assert admin.get("/api/v1/inventory/stock").status_code == 200
        assert admin.get("/api/v1/payments").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    if not settings.DATABASE_PREPARED_STATEMENTS:
        assert statements == []
        return
    assert any('FROM "inventory_stocklevel"' in s and "LIMIT" in s for s in statements), statements
    assert any('FROM "orders_refund"' in s for s in statements), statements


def test_a_nullable_relation_is_read_only_where_drf_would_give_none():
    """Through a relation that may be NULL, DRF gives None only with allow_null or a None
    default; otherwise it leaves the key out or raises, which values cannot imitate."""

    def movement_serializer(field):
        meta = type("Meta", (), {"model": StockMovement, "fields": ["id", "actor"]})
        return type("S", (serializers.ModelSerializer,), {"actor": field, "Meta": meta})

    assert (
        FlatRows.build(movement_serializer(serializers.EmailField(source="actor.email")), StockMovement)
        is None
    )
    for field in (
        serializers.EmailField(source="actor.email", allow_null=True),
        serializers.EmailField(source="actor.email", default=None),
    ):
        assert FlatRows.build(movement_serializer(field), StockMovement) is not None
