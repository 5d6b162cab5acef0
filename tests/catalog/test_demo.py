"""The demo catalog seeds once and only once."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.catalog.models import Category, Document, Price, Product, ProductImage, Variant
from apps.cms.models import MediaFile
from apps.core.models import ActivityLog

pytestmark = pytest.mark.django_db

MODELS = (Category, Product, Variant, Price, ProductImage, Document, MediaFile)


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_is_idempotent_and_complete():
    accounts_demo.seed()
    catalog_demo.seed()
    first = counts()
    logs = ActivityLog.objects.count()
    catalog_demo.seed()
    assert counts() == first
    assert ActivityLog.objects.count() == logs

    assert first["Category"] >= 5
    assert first["Product"] >= 20
    assert first["Document"] >= 3
    for product in Product.objects.prefetch_related("variants__prices"):
        variants = list(product.variants.all())
        assert len(variants) >= 2, product
        for variant in variants:
            assert {p.currency for p in variant.prices.all()} >= {"USD", "NGN"}, variant
    # The demo documents have real files behind them.
    for document in Document.objects.select_related("file"):
        with document.file.file.open("rb") as fh:
            assert fh.read(5) == b"%PDF-"


def test_seeded_catalog_is_served_by_the_api(api_client):
    accounts_demo.seed()
    catalog_demo.seed()
    body = api_client.get("/api/v1/products", {"currency": "NGN", "page_size": 100}).json()
    assert body["count"] >= 20
    assert all(v["available"] for p in body["results"] for v in p["variants"])
