"""RFQs in the unified search: staff who work them (a sales user: only those assigned to them)."""

import importlib

import pytest
from django.db import connection

from apps.rfq.selectors import RFQ_VECTOR

from .factories import item, rfq_make

pytestmark = pytest.mark.django_db


def _group(client, q):
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()["groups"].get("rfqs")


def test_staff_find_rfqs_by_company_number_and_email_and_nobody_else_does(api_client, auth_client):
    item("SRCH-1")
    found = rfq_make(skus=("SRCH-1",), company="Kano Irrigation Board", email="bello@kano.example")
    rfq_make(skus=("SRCH-1",), company="Other Farms", email="x@other.example")
    support = auth_client("support")
    group = _group(support, "irrigation")
    assert group["total"] == 1
    hit = group["results"][0]
    assert (hit["type"], hit["url"]) == ("rfq", f"/api/v1/rfqs/{found.pk}")
    assert found.number in hit["title"]
    assert _group(support, found.number)["total"] == 1
    assert _group(support, "bello@kano.example")["total"] == 1
    for outsider in (api_client, auth_client("customer"), auth_client("finance")):
        assert _group(outsider, "irrigation") is None


def test_a_sales_user_finds_only_the_rfqs_assigned_to_them(auth_client):
    item("SRCH-2")
    rep = auth_client("sales")
    mine = rfq_make(skus=("SRCH-2",), company="Tender Farms One", assigned_to=rep.user)
    rfq_make(skus=("SRCH-2",), company="Tender Farms Two")
    group = _group(rep, "tender")
    assert group["total"] == 1 and group["results"][0]["id"] == str(mine.pk)


@pytest.mark.postgres
def test_prefix_matching_ranks_a_company_match_above_a_requirements_match(auth_client):
    item("SRCH-3")
    rfq_make(skus=("SRCH-3",), company="Irrigation Works", requirements="pumps")
    rfq_make(skus=("SRCH-3",), company="Other Co", requirements="irrigation pumps for 40 ha")
    results = _group(auth_client("admin"), "irrig")["results"]
    assert [r["title"].split(" — ")[1] for r in results] == ["Irrigation Works", "Other Co"]


@pytest.mark.postgres
def test_the_query_plan_uses_the_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM rfq_rfq WHERE ({RFQ_VECTOR}) @@ to_tsquery('simple', 'arch:*')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "rfq_rfq_search_gin" in plan, plan


def test_the_index_document_and_the_query_document_are_the_same():
    migration = importlib.import_module("apps.rfq.migrations.0004_rfq_search_index")
    assert migration.RFQ_VECTOR == RFQ_VECTOR


def test_an_unknown_category_filter_is_a_400_with_a_code(auth_client):
    """A filter's own check raises a Django form error without a code: the envelope still
    carries one (found by the API fuzzer: "code": null)."""
    from tests.helpers import assert_error

    body = assert_error(
        auth_client("admin").get("/api/v1/rfqs?product_category=nope"),
        400,
        kind="validation_error",
        attr="product_category",
    )
    assert all(isinstance(error["code"], str) and error["code"] for error in body["errors"])
