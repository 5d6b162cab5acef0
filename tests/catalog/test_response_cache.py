"""The public catalog response cache: shared per audience, invalidated by every write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import services
from apps.catalog.models import Price

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(settings):
    settings.CATALOG_CACHE_SECONDS = 300
    return services.product_create(
        actor=None,
        data={
            "name": "Cached Tractor",
            "variants": [{"sku": "CT-1", "name": "Std", "prices": [{"currency": "USD", "amount": "100.00"}]}],
        },
    )


def test_an_anonymous_hit_runs_no_sql(api_client, product):
    assert api_client.get("/api/v1/products/cached-tractor?currency=USD").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/products/cached-tractor?currency=USD")
    assert response.status_code == 200
    assert len(queries) == 0


def test_a_price_change_is_visible_at_once(api_client, product, django_capture_on_commit_callbacks):
    url = "/api/v1/products?currency=USD"
    assert api_client.get(url).json()["results"][0]["price_from"]["amount"] == "100.00"
    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(
            product=product,
            actor=None,
            data={
                "variants": [
                    {"sku": "CT-1", "name": "Std", "prices": [{"currency": "USD", "amount": "80.00"}]}
                ]
            },
        )
    assert api_client.get(url).json()["results"][0]["price_from"]["amount"] == "80.00"
    Price.objects.filter(variant__sku="CT-1").update(amount="70.00")  # no signal: not invalidated
    assert api_client.get(url).json()["results"][0]["price_from"]["amount"] == "80.00"
    Price.objects.get(variant__sku="CT-1").save()  # any save through the ORM invalidates
    assert api_client.get(url).json()["results"][0]["price_from"]["amount"] == "70.00"


def test_staff_responses_are_never_cached(auth_client, product):
    staff = auth_client("content")
    staff.get("/api/v1/products/cached-tractor")
    with CaptureQueriesContext(connection) as queries:
        staff.get("/api/v1/products/cached-tractor")
    assert len(queries) > 0


def test_changing_the_default_currency_invalidates_anonymous_responses(api_client, auth_client, product):
    services.product_update(
        product=product,
        actor=None,
        data={
            "variants": [
                {
                    "sku": "CT-1",
                    "name": "Std",
                    "prices": [
                        {"currency": "USD", "amount": "100.00"},
                        {"currency": "NGN", "amount": "155000.00"},
                    ],
                }
            ]
        },
    )
    assert api_client.get("/api/v1/products").json()["results"][0]["currency"] == "USD"
    response = auth_client("admin").patch("/api/v1/settings", {"default_currency": "NGN"}, format="json")
    assert response.status_code == 200
    body = api_client.get("/api/v1/products").json()
    assert body["results"][0]["currency"] == "NGN"
    assert body["results"][0]["price_from"]["amount"] == "155000.00"
