"""The Inventory endpoints of the contract: who may call them, filters, errors, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.services import site_settings_update
from apps.inventory import services
from apps.inventory.models import StockLevel, StockMovement
from apps.inventory.services import ReservationRequest
from tests.catalog.factories import VariantFactory
from tests.helpers import assert_error

from .factories import WarehouseFactory, stocked

pytestmark = pytest.mark.django_db

STOCK, ADJUST, MOVES = (
    "/api/v1/inventory/stock",
    "/api/v1/inventory/adjustments",
    "/api/v1/inventory/movements",
)


@pytest.fixture
def stock():
    main, spare = WarehouseFactory(code="main", priority=1), WarehouseFactory(code="spare", priority=2)
    drill, saw = VariantFactory(sku="DRL-1"), VariantFactory(sku="SAW-1")
    stocked(drill, main, on_hand=20)
    stocked(drill, spare, on_hand=3)
    stocked(saw, main, on_hand=2)
    services.stock_reserve(
        lines=[ReservationRequest(variant_id=drill.pk, sku=drill.sku, quantity=18)],
        reference="order:1",
        expires_at=None,
    )
    return {"main": main, "spare": spare, "drill": drill, "saw": saw}


@pytest.mark.parametrize("role", ["sales", "support", "finance", "logistics", "content", "admin"])
def test_staff_read_stock_with_available(auth_client, stock, role):
    response = auth_client(role).get(STOCK)
    assert response.status_code == 200
    rows = {(r["sku"], r["warehouse"]): r for r in response.json()["results"]}
    assert rows[("DRL-1", "main")] | {} == rows[("DRL-1", "main")]
    assert (rows[("DRL-1", "main")]["on_hand"], rows[("DRL-1", "main")]["reserved"]) == (20, 18)
    assert rows[("DRL-1", "main")]["available"] == 2
    assert response.json()["count"] == 3


def test_customers_and_anonymous_callers_cannot_read_stock(api_client, auth_client, stock):
    assert_error(api_client.get(STOCK), 401)
    assert_error(auth_client("customer").get(STOCK), 403)
    assert_error(auth_client("customer").get(MOVES), 403)


def test_stock_filters_by_sku_warehouse_and_low_stock(auth_client, stock):
    client = auth_client("logistics")
    site_settings_update(actor=None, data={"low_stock_threshold": 2})
    assert [r["warehouse"] for r in client.get(STOCK, {"sku": "drl-1"}).json()["results"]] == [
        "main",
        "spare",
    ]
    assert [r["sku"] for r in client.get(STOCK, {"warehouse": "spare"}).json()["results"]] == ["DRL-1"]
    low = client.get(STOCK, {"low_stock": "true"}).json()["results"]
    assert {(r["sku"], r["warehouse"]) for r in low} == {("DRL-1", "main"), ("SAW-1", "main")}
    assert all(r["low_stock"] and r["low_stock_threshold"] == 2 for r in low)
    StockLevel.objects.filter(variant=stock["drill"], warehouse=stock["spare"]).update(low_stock_threshold=5)
    low = client.get(STOCK, {"low_stock": "true", "warehouse": "spare"}).json()["results"]
    assert [(r["sku"], r["low_stock_threshold"]) for r in low] == [("DRL-1", 5)]
    assert_error(client.get(STOCK, {"low_stock": "maybe"}), 400, kind="validation_error", attr="low_stock")


def test_logistics_adjust_stock(auth_client, stock):
    response = auth_client("logistics").post(
        ADJUST,
        {"sku": "SAW-1", "warehouse": "main", "quantity_delta": 5, "reason": "received", "note": "PO-9"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stock"]["on_hand"], body["stock"]["available"]) == (7, 7)
    assert (body["movement"]["on_hand_delta"], body["movement"]["reason"]) == (5, "received")


def test_a_new_warehouse_level_appears_with_its_first_adjustment(auth_client, stock):
    response = auth_client("admin").post(
        ADJUST, {"sku": "SAW-1", "warehouse": "spare", "quantity_delta": 4, "reason": "received"}
    )
    assert response.status_code == 201
    assert StockLevel.objects.get(variant=stock["saw"], warehouse=stock["spare"]).on_hand == 4


@pytest.mark.parametrize("role", ["sales", "support", "finance", "content", "customer"])
def test_only_logistics_and_admin_adjust(auth_client, stock, role):
    response = auth_client(role).post(
        ADJUST, {"sku": "SAW-1", "warehouse": "main", "quantity_delta": 1, "reason": "received"}
    )
    assert_error(response, 403)


def test_an_adjustment_below_reserved_is_409_and_changes_nothing(auth_client, stock):
    before = StockMovement.objects.count()
    body = assert_error(
        auth_client("logistics").post(
            ADJUST, {"sku": "DRL-1", "warehouse": "main", "quantity_delta": -3, "reason": "damaged"}
        ),
        409,
        code="stock_conflict",
    )
    assert "18 reserved" in body["errors"][0]["detail"]
    assert StockMovement.objects.count() == before
    assert StockLevel.objects.get(variant=stock["drill"], warehouse=stock["main"]).on_hand == 20


@pytest.mark.parametrize(
    ("payload", "status", "attr"),
    [
        ({"sku": "NOPE", "warehouse": "main", "quantity_delta": 1, "reason": "received"}, 404, "sku"),
        ({"sku": "SAW-1", "warehouse": "nope", "quantity_delta": 1, "reason": "received"}, 404, "warehouse"),
        (
            {"sku": "SAW-1", "warehouse": "main", "quantity_delta": 0, "reason": "received"},
            400,
            "quantity_delta",
        ),
        (
            {"sku": "SAW-1", "warehouse": "main", "quantity_delta": "x", "reason": "received"},
            400,
            "quantity_delta",
        ),
        ({"sku": "SAW-1", "warehouse": "main", "quantity_delta": 1, "reason": "sale"}, 400, "reason"),
        ({"sku": "SAW-1", "warehouse": "main", "reason": "received"}, 400, "quantity_delta"),
    ],
)
def test_bad_adjustments_get_the_envelope(auth_client, stock, payload, status, attr):
    kind = "validation_error" if status == 400 else "client_error"
    assert_error(auth_client("logistics").post(ADJUST, payload), status, kind=kind, attr=attr)


def test_adjustments_replay_with_the_same_idempotency_key(auth_client, stock):
    client = auth_client("logistics")
    payload = {"sku": "SAW-1", "warehouse": "main", "quantity_delta": 2, "reason": "received"}
    first = client.post(ADJUST, payload, HTTP_IDEMPOTENCY_KEY="adj-1")
    again = client.post(ADJUST, payload, HTTP_IDEMPOTENCY_KEY="adj-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert StockLevel.objects.get(variant=stock["saw"], warehouse=stock["main"]).on_hand == 4


def test_movements_page_by_cursor_newest_first_with_filters(auth_client, stock):
    client = auth_client("support")
    for _ in range(7):
        services.stock_adjust(
            variant=stock["saw"], warehouse=stock["main"], quantity_delta=1, reason="returned"
        )
    page = client.get(MOVES, {"sku": "SAW-1", "page_size": 5}).json()
    assert set(page) == {"next", "previous", "results"}
    assert len(page["results"]) == 5 and page["next"]
    rest = client.get(page["next"]).json()
    ids = [m["id"] for m in page["results"] + rest["results"]]
    assert len(ids) == len(set(ids)) == 8  # 1 received + 7 returned, none twice
    times = [m["created_at"] for m in page["results"] + rest["results"]]
    assert times == sorted(times, reverse=True)
    assert {m["reason"] for m in client.get(MOVES, {"reason": "reservation"}).json()["results"]} == {
        "reservation"
    }
    assert client.get(MOVES, {"warehouse": "spare"}).json()["results"][0]["warehouse"] == "spare"
    assert_error(client.get(MOVES, {"reason": "stolen"}), 400, kind="validation_error", attr="reason")
    assert_error(client.get(MOVES, {"created_after": "yesterday"}), 400, kind="validation_error")


def test_list_queries_do_not_grow_with_page_size(auth_client, stock):
    client = auth_client("admin")
    for i in range(30):
        stocked(VariantFactory(), stock["main"], on_hand=i + 1)
    counts = {}
    for url in (STOCK, MOVES):
        client.get(url)  # warm per-process caches (the user, site settings)
        for size in (1, 20, 100):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, {"page_size": size}).status_code == 200
            counts[(url, size)] = len(ctx.captured_queries)
        assert len({counts[(url, s)] for s in (1, 20, 100)}) == 1, counts
