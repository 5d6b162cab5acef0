import pytest
from django.db import connection

from apps.catalog import services
from apps.catalog.models import Product
from apps.catalog.selectors import PRODUCT_VECTOR

pytestmark = pytest.mark.django_db


def _product(name, *, sku, description="", specs=None, status="active"):
    return services.product_create(
        actor=None,
        data={
            "name": name,
            "description": description,
            "specifications": specs or {},
            "status": status,
            "variants": [
                {"sku": sku, "name": "Standard", "prices": [{"currency": "USD", "amount": "10.00"}]}
            ],
        },
    )


def _search(api_client, q, **params):
    response = api_client.get("/api/v1/search", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_results_are_grouped_by_type_with_totals(api_client):
    _product("Archer 45 Tractor", sku="ARC-45")
    body = _search(api_client, "archer")
    assert body["query"] == "archer"
    group = body["groups"]["products"]
    assert group["total"] == 1
    assert group["results"][0]["title"] == "Archer 45 Tractor"
    assert group["results"][0]["url"] == "/api/v1/products/archer-45-tractor"


def test_matches_sku_description_and_specification_values(api_client):
    _product(
        "Pump One",
        sku="PMP-XY-77",
        description="Borehole pump for deep wells",
        specs={"Power": "solar", "Voltages": ["48V", "72V"]},
    )
    for q in ("PMP-XY-77", "borehole", "solar", "72V"):
        assert _search(api_client, q)["groups"]["products"]["total"] == 1, q


def test_the_public_does_not_find_archived_products_staff_do(api_client, auth_client):
    _product("Old Harrow", sku="OLD-1", status="archived")
    assert _search(api_client, "harrow")["groups"]["products"]["total"] == 0
    assert _search(auth_client("content"), "harrow")["groups"]["products"]["total"] == 1


def test_search_text_follows_product_updates(api_client):
    product = _product("Generator", sku="GEN-1")
    services.product_update(
        product=product, actor=None, data={"variants": [{"sku": "GEN-1", "name": "Silent canopy"}]}
    )
    assert _search(api_client, "canopy")["groups"]["products"]["total"] == 1


@pytest.mark.parametrize("q", ["'); DROP TABLE catalog_product; --", "a:* & !b | (", "%_\\", "ü"])
def test_injection_looking_input_is_just_text(api_client, q):
    _product("Archer", sku="ARC-1")
    body = _search(api_client, q)
    assert body["groups"]["products"]["total"] == 0
    assert Product.objects.count() == 1


def test_missing_or_too_long_query_is_400(api_client):
    assert api_client.get("/api/v1/search").status_code == 400
    assert api_client.get("/api/v1/search", {"q": "x" * 201}).status_code == 400
    assert api_client.get("/api/v1/search", {"q": "x", "limit": 0}).status_code == 400


@pytest.mark.postgres
def test_prefix_matching_finds_archer_from_arch(api_client):
    _product("Archer 45 Tractor", sku="ARC-45")
    assert _search(api_client, "arch")["groups"]["products"]["total"] == 1


@pytest.mark.postgres
def test_a_title_match_ranks_above_a_body_match(api_client):
    _product("Generator fuel kit", sku="KIT-1", description="Works with the irrigation pumps")
    _product("Irrigation pump", sku="PMP-1", description="Moves water")
    results = _search(api_client, "irrigation")["groups"]["products"]["results"]
    assert [r["title"] for r in results] == ["Irrigation pump", "Generator fuel kit"]
    assert results[0]["rank"] > results[1]["rank"]


@pytest.mark.postgres
def test_the_query_plan_uses_the_gin_index():
    _product("Archer", sku="ARC-1")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM catalog_product WHERE ({PRODUCT_VECTOR}) "
            "@@ to_tsquery('simple', 'arch:*')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "catalog_product_search_gin" in plan, plan
