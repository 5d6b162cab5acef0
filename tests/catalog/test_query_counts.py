"""Lists run a fixed number of queries whatever the page size."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import selectors
from apps.catalog.models import Category, Price, Product, ProductImage, Variant

from .factories import MediaFileFactory

pytestmark = pytest.mark.django_db

SIZES = (1, 20, 100)


@pytest.fixture
def big_catalog():
    """100 products, 2 variants each, USD and NGN prices each, an image each; a category tree."""
    roots = Category.objects.bulk_create(
        [Category(name=f"Root {i}", slug=f"root-{i}", position=i) for i in range(5)]
    )
    Category.objects.bulk_create(
        [Category(name=f"Child {i}", slug=f"child-{i}", parent=roots[i % 5], position=i) for i in range(25)]
    )
    products = Product.objects.bulk_create(
        [
            Product(name=f"Product {i:03d}", slug=f"product-{i:03d}", position=i, category=roots[i % 5])
            for i in range(100)
        ]
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(product=p, sku=f"P{i:03d}-V{j}", name=f"Variant {j}", position=j)
            for i, p in enumerate(products)
            for j in range(2)
        ]
    )
    Price.objects.bulk_create(
        [
            Price(variant=v, currency=currency, amount=Decimal(100 + k))
            for k, v in enumerate(variants)
            for currency in ("USD", "NGN")
        ]
    )
    media = MediaFileFactory(image=True)
    ProductImage.objects.bulk_create([ProductImage(product=p, media=media) for p in products])
    return products


def _counts(client, url, settings, **params):
    settings.CATALOG_CACHE_SECONDS = 0  # measure the database work, not the response cache
    client.get(url, {"page_size": 5, **params})  # warm per-process caches (site settings)
    counts = {}
    for size in SIZES:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": size, **params})
        assert response.status_code == 200, response.content
        counts[size] = len(ctx.captured_queries)
        body = response.json()
        if isinstance(body, dict):
            assert len(body["results"]) == min(size, body["count"])
    return counts


def test_product_list_queries_do_not_grow_with_page_size_anonymous(api_client, big_catalog, settings):
    counts = _counts(api_client, "/api/v1/products", settings)
    assert len(set(counts.values())) == 1, f"queries per page size: {counts}"


def test_product_list_queries_do_not_grow_with_page_size_staff(auth_client, big_catalog, settings):
    counts = _counts(auth_client("content"), "/api/v1/products", settings, currency="NGN")
    assert len(set(counts.values())) == 1, f"queries per page size: {counts}"


def test_product_list_queries_do_not_grow_with_filters(api_client, big_catalog, settings):
    counts = _counts(
        api_client, "/api/v1/products", settings, min_price="0", max_price="100000", search="product"
    )
    assert len(set(counts.values())) == 1, f"queries per page size: {counts}"


def test_category_tree_queries_do_not_grow_with_page_size(api_client, big_catalog, settings):
    counts = _counts(api_client, "/api/v1/categories", settings)
    assert len(set(counts.values())) == 1, f"queries per page size: {counts}"
    assert counts[1] <= 2, f"queries per page size: {counts}"


def test_the_portable_reads_take_four_queries_whatever_the_page_size(big_catalog, django_assert_num_queries):
    """The ORM path (SQLite's, and the reference of the PostgreSQL statements): the count, the
    page's rows, their variants with prices, their images; a product page: its row, variants
    with prices, images, documents."""
    anonymous = AnonymousUser()
    selectors.product_page_portable(user=anonymous, currency=None, ordering="position", offset=0, limit=1)
    for limit in SIZES:
        with django_assert_num_queries(4):
            page = selectors.product_page_portable(
                user=anonymous, currency="NGN", ordering="price", offset=0, limit=limit
            )
        assert len(page.cards) == limit and all(len(c["variants"]) == 2 for c in page.cards)
    with django_assert_num_queries(4):
        detail = selectors.product_detail_portable(user=anonymous, slug="product-007", currency="USD")
    assert detail["variants"][0]["price"]["amount"] == "114.00"
