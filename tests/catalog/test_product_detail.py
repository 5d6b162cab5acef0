"""GET /api/v1/products/{slug}: the product page."""

import re

import pytest

from apps.catalog.models import Document, Product
from tests.helpers import assert_error

from .factories import DocumentFactory, ProductImageFactory, product_with_variants

pytestmark = pytest.mark.django_db

MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture
def product():
    product = product_with_variants(
        {"USD": "1499", "NGN": "2250000.5"},
        {"USD": "1599.9"},
        name="Compact Tractor",
        description="Four-wheel drive.",
        specifications={"power_kw": 37, "fuel": "diesel", "pto_rpm": [540, 1000]},
        features=["4WD", "ROPS"],
        applications=["Farming", "Landscaping"],
        seo_title="Compact tractors",
        seo_description="Buy a compact tractor.",
    )
    ProductImageFactory(product=product, alt_text="Side", position=0)
    return product


@pytest.fixture
def documents(product):
    return {
        level: DocumentFactory(product=product, title=f"{level} doc", access_level=level)
        for level in Document.AccessLevel.values
    }


def url(slug):
    return f"/api/v1/products/{slug}"


def test_detail_has_variants_with_prices_as_strings(api_client, product):
    response = api_client.get(url(product.slug), {"currency": "USD"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slug"] == "compact-tractor"
    assert body["name"] == "Compact Tractor"
    first, second = body["variants"]
    assert {"sku", "name", "attributes", "price", "available"} <= set(first)
    assert first["sku"] == product.variants.order_by("position")[0].sku
    assert first["attributes"] == {"size": "M"}
    assert first["price"]["amount"] == "1499.00"
    assert first["price"]["currency"] == "USD"
    assert second["price"]["amount"] == "1599.90"
    assert first["available"] is True
    for variant in body["variants"]:
        assert isinstance(variant["price"]["amount"], str)
        assert MONEY.match(variant["price"]["amount"])


def test_detail_in_a_currency_a_variant_lacks(api_client, product):
    body = api_client.get(url(product.slug), {"currency": "NGN"}).json()
    first, second = body["variants"]
    assert first["price"] == {"amount": "2250000.50", "currency": "NGN", "compare_at_amount": None}
    assert first["available"] is True
    assert second["price"] is None
    assert second["available"] is False


def test_detail_has_specifications_features_applications_images_and_seo(api_client, product):
    body = api_client.get(url(product.slug)).json()
    assert body["description"] == "Four-wheel drive."
    assert body["specifications"] == {"power_kw": 37, "fuel": "diesel", "pto_rpm": [540, 1000]}
    assert body["features"] == ["4WD", "ROPS"]
    assert body["applications"] == ["Farming", "Landscaping"]
    [image] = body["images"]
    assert image["alt_text"] == "Side"
    assert image["url"]
    assert image["width"] == 1
    assert body["seo"]["title"] == "Compact tractors"
    assert body["seo"]["description"] == "Buy a compact tractor."
    assert body["documents"] == []


def test_inactive_variants_are_not_shown(api_client, product):
    product.variants.filter(position=1).update(is_active=False)
    body = api_client.get(url(product.slug)).json()
    assert len(body["variants"]) == 1


def titles(response):
    assert response.status_code == 200, response.content
    return sorted(d["title"] for d in response.json()["documents"])


def test_anonymous_sees_public_documents_only(api_client, product, documents):
    assert titles(api_client.get(url(product.slug))) == ["public doc"]


def test_customer_sees_public_and_authenticated_documents(auth_client, product, documents):
    assert titles(auth_client("customer").get(url(product.slug))) == ["authenticated doc", "public doc"]


@pytest.mark.parametrize("role", ["content", "sales", "admin"])
def test_staff_see_every_document(auth_client, product, documents, role):
    assert titles(auth_client(role).get(url(product.slug))) == [
        "authenticated doc",
        "private doc",
        "public doc",
    ]


def test_documents_follow_the_caller_whatever_was_served_before(api_client, auth_client, product, documents):
    """The public response cache must not hand one caller's documents to another."""
    customer = auth_client("customer")
    assert titles(customer.get(url(product.slug))) == ["authenticated doc", "public doc"]
    assert titles(api_client.get(url(product.slug))) == ["public doc"]


def test_documents_follow_the_caller_when_anonymous_came_first(api_client, auth_client, product, documents):
    assert titles(api_client.get(url(product.slug))) == ["public doc"]
    assert titles(auth_client("customer").get(url(product.slug))) == ["authenticated doc", "public doc"]


def test_document_entries_carry_a_download_url(api_client, product, documents):
    [doc] = api_client.get(url(product.slug)).json()["documents"]
    assert doc["download_url"] == f"/api/v1/documents/{documents['public'].pk}/download"
    assert doc["access_level"] == "public"


@pytest.mark.parametrize("status", ["archived", "coming_soon", "discontinued"])
def test_hidden_product_is_404_for_the_public_and_200_for_staff(api_client, auth_client, product, status):
    Product.objects.filter(pk=product.pk).update(status=status)
    assert_error(api_client.get(url(product.slug)), 404, code="not_found")
    assert_error(auth_client("customer").get(url(product.slug)), 404, code="not_found")
    response = auth_client("content").get(url(product.slug))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status


def test_archived_product_is_404_for_the_public_even_after_being_cached(api_client, product):
    assert api_client.get(url(product.slug)).status_code == 200
    product.status = Product.Status.ARCHIVED
    product.save()
    assert_error(api_client.get(url(product.slug)), 404)


def test_unknown_slug_is_404(api_client):
    assert_error(api_client.get(url("no-such-product")), 404, code="not_found")


def test_detail_works_with_trailing_slash(api_client, product):
    assert api_client.get(url(product.slug) + "/").status_code == 200


def test_detail_invalid_currency_is_400(api_client, product):
    assert_error(
        api_client.get(url(product.slug), {"currency": "US"}), 400, attr="currency", kind="validation_error"
    )
