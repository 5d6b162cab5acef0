"""GET /api/v1/carriers (issue 16, item 17): staff discover the carrier codes a shipment can
name, in the page envelope; customers may not (403), anonymous callers must sign in (401).
The shipment create schema says that ``carrier`` is a code from this list."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.roles import STAFF_ROLES
from tests.helpers import assert_error

from .factories import carrier

pytestmark = pytest.mark.django_db

CARRIERS = "/api/v1/carriers"


@pytest.fixture
def carriers():
    return [
        carrier("dhl", name="DHL Express"),
        carrier("ups", name="UPS"),
        carrier("old", name="Acme Freight", is_active=False, tracking_url_template=""),
    ]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_list_the_carriers_in_the_page_envelope(auth_client, carriers, role):
    response = auth_client(role).get(CARRIERS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 3
    assert body["results"] == [
        {"code": "dhl", "name": "DHL Express", "tracking_url_template": "https://dhl.example/track?n={tracking_number}",
         "is_active": True},
        {"code": "ups", "name": "UPS", "tracking_url_template": "https://ups.example/track?n={tracking_number}",
         "is_active": True},
        {"code": "old", "name": "Acme Freight", "tracking_url_template": "", "is_active": False},
    ]  # fmt: skip


def test_the_list_filters_searches_and_never_shows_secrets(auth_client, carriers):
    client = auth_client("logistics")
    assert [c["code"] for c in client.get(CARRIERS, {"is_active": "true"}).json()["results"]] == [
        "dhl",
        "ups",
    ]
    assert [c["code"] for c in client.get(CARRIERS, {"is_active": "false"}).json()["results"]] == ["old"]
    assert [c["code"] for c in client.get(CARRIERS, {"search": "acme"}).json()["results"]] == ["old"]
    assert [c["code"] for c in client.get(CARRIERS, {"ordering": "-code"}).json()["results"]] == [
        "ups", "old", "dhl"
    ]  # fmt: skip
    assert_error(client.get(CARRIERS, {"is_active": "maybe"}), 400, kind="validation_error", attr="is_active")
    assert "carrier-shared-secret" not in client.get(CARRIERS).content.decode()


def test_customers_are_refused_and_anonymous_callers_must_sign_in(auth_client, api_client, carriers):
    assert_error(auth_client("customer").get(CARRIERS), 403, code="permission_denied")
    assert_error(auth_client("provider").get(CARRIERS), 403, code="permission_denied")
    assert_error(api_client.get(CARRIERS), 401, code="not_authenticated")


def test_the_query_count_does_not_grow_with_the_page(auth_client, django_assert_max_num_queries):
    client = auth_client("admin")
    client.get(CARRIERS)  # the caller's roles, once
    for index in range(30):
        carrier(f"c{index:02d}")
    with django_assert_max_num_queries(4):
        assert len(client.get(CARRIERS, {"page_size": 30}).json()["results"]) == 30


def test_the_shipment_schema_says_carrier_is_a_code_from_the_list():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "get" in schema["paths"]["/api/v1/carriers"]
    request = schema["components"]["schemas"]["ShipmentCreateRequest"]
    assert "/api/v1/carriers" in request["properties"]["carrier"]["description"]
    page = schema["paths"]["/api/v1/carriers"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    fields = schema["components"]["schemas"][page["$ref"].split("/")[-1]]["properties"]["results"]["items"]
    carrier_schema = schema["components"]["schemas"][fields["$ref"].split("/")[-1]]
    assert set(carrier_schema["properties"]) == {"code", "name", "tracking_url_template", "is_active"}


def test_an_unknown_carrier_code_points_to_the_list(auth_client, carriers):
    from .factories import paid_order

    order = paid_order()
    response = auth_client("logistics").post(
        "/api/v1/shipments",
        {"order": order.number, "carrier": "fedex", "tracking_number": "T9"},
        format="json",
    )
    body = assert_error(response, 400, attr="carrier")
    assert "GET /api/v1/carriers" in body["errors"][0]["detail"]
