"""``GET /api/v1/products?in_stock=``: products with stock available (an active variant with
on_hand above reserved in an active warehouse), never answered from the response cache."""

import pytest

from apps.inventory import services
from apps.inventory.services import ReservationRequest
from tests.helpers import assert_error
from tests.inventory.factories import WarehouseFactory, stocked

from .factories import product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    open_wh, closed_wh = WarehouseFactory(code="open"), WarehouseFactory(code="closed", is_active=False)
    products = {
        name: product_with_variants(name=name) for name in ("Stocked", "Sold out", "Closed", "Idle", "None")
    }
    variant = {name: p.variants.get() for name, p in products.items()}
    stocked(variant["Stocked"], open_wh, on_hand=3)
    sold = stocked(variant["Sold out"], open_wh, on_hand=2)
    services.stock_reserve(
        lines=[ReservationRequest(variant_id=sold.variant_id, sku=variant["Sold out"].sku, quantity=2)],
        reference="order:1",
        expires_at=None,
    )
    stocked(variant["Closed"], closed_wh, on_hand=9)
    stocked(variant["Idle"], open_wh, on_hand=9)
    variant["Idle"].is_active = False
    variant["Idle"].save()
    return {"open": open_wh, "variant": variant}


def names(client, **params):
    response = client.get("/api/v1/products", params)
    assert response.status_code == 200, response.content
    return sorted(p["name"] for p in response.json()["results"])


def test_in_stock_true_and_false(api_client, shelf):
    assert names(api_client, in_stock="true") == ["Stocked"]
    # "Idle" has stock, but no active variant to sell it through.
    assert names(api_client, in_stock="false") == [
        "Closed",
        "Idle",
        "None",
        "Sold out",
    ]  # "Idle" has no active variant
    assert api_client.get("/api/v1/products", {"in_stock": "true"}).json()["count"] == 1


def test_in_stock_answers_follow_stock_at_once_with_the_cache_on(api_client, shelf, settings):
    settings.CATALOG_CACHE_SECONDS = 300
    assert names(api_client, in_stock="true") == ["Stocked"]
    services.stock_adjust(
        variant=shelf["variant"]["Sold out"], warehouse=shelf["open"], quantity_delta=1, reason="received"
    )
    assert names(api_client, in_stock="true") == ["Sold out", "Stocked"]


def test_in_stock_must_be_a_boolean(api_client, shelf):
    assert_error(
        api_client.get("/api/v1/products", {"in_stock": "maybe"}),
        400,
        kind="validation_error",
        attr="in_stock",
    )
