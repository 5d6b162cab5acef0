"""The PostgreSQL catalog reads (apps.catalog.pg_queries: one statement each) answer exactly
what the portable ORM reads answer, for every filter, ordering, page, currency and audience,
whether or not queries are being logged."""

from decimal import Decimal
from itertools import product as combinations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from apps.catalog import selectors
from apps.catalog.models import Document, Product
from apps.core.selectors import site_settings_get
from apps.core.services import site_settings_update
from apps.inventory import services
from apps.inventory.services import ReservationRequest
from tests.inventory.factories import WarehouseFactory, stocked

from .factories import (
    CategoryFactory,
    DocumentFactory,
    MediaFileFactory,
    ProductImageFactory,
    product_with_variants,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def catalog():
    tools = CategoryFactory(name="Tools", slug="tools")
    drills = CategoryFactory(name="Drills", slug="drills", parent=tools)
    pumps = CategoryFactory(name="Pumps", slug="pumps")
    made = [
        product_with_variants(
            {"USD": "120.00", "NGN": "180000.00"},
            {"USD": "99.50"},
            name="Archer drill 100%",
            category=drills,
            position=1,
        ),
        product_with_variants({"USD": "15.00"}, name="Bolt_set", category=tools, position=1),
        product_with_variants({"NGN": "5000.00"}, name="Cedar pump", category=pumps, position=0),
        product_with_variants({"USD": "300.00"}, name="Delta pump", category=pumps, status="coming_soon"),
        product_with_variants({"USD": "45.00"}, name="Echo saw", status="archived", position=3),
        product_with_variants(name="Falcon fan", category=None, position=1, description="Quiet 50% less"),
        product_with_variants({"USD": "45.00"}, name="Gale blower", position=2),
    ]
    first = made[0]
    first.variants.update(attributes={"size": "L"})
    first.variants.filter(position=1).update(is_active=False)
    price = first.variants.get(position=0).prices.get(currency="USD")
    price.compare_at_amount = Decimal("150.00")
    price.save()
    ProductImageFactory(product=first, position=1, alt_text="")
    ProductImageFactory(product=first, position=0)
    first.og_image = MediaFileFactory(image=True)
    first.save()
    shelf, closed = WarehouseFactory(code="shelf"), WarehouseFactory(code="shut", is_active=False)
    stocked(first.variants.get(position=0), shelf, on_hand=2)
    stocked(made[2].variants.get(), closed, on_hand=5)
    sold = stocked(made[6].variants.get(), shelf, on_hand=1)
    services.stock_reserve(
        lines=[ReservationRequest(variant_id=sold.variant_id, sku="x", quantity=1)],
        reference="o",
        expires_at=None,
    )
    for level in Document.AccessLevel.values:
        DocumentFactory(product=first, access_level=level, title=f"Sheet {level}", category=drills)
    DocumentFactory(product=first, title="Brochure", description="", category=None)
    return made


def _both(call, **kwargs):
    """``call`` on the PostgreSQL path, with queries not logged and logged."""
    prepared = call(**kwargs)
    connection.force_debug_cursor = True
    try:
        logged = call(**kwargs)
    finally:
        connection.force_debug_cursor = False
    assert prepared == logged
    return prepared


@pytest.fixture
def audiences(make_user):
    return {
        "anonymous": AnonymousUser(),
        "customer": make_user("customer"),
        "staff": make_user("content"),
    }


FILTERS = [
    {},
    {"status": "archived"},
    {"category_ids": "tools"},
    {"category_ids": "pumps"},
    {"min_price": Decimal("40")},
    {"max_price": Decimal("100")},
    {"min_price": Decimal("40"), "max_price": Decimal("130")},
    {"search": "pump"},
    {"search": "100%"},
    {"search": "_"},
    {"search": "SKU-"},
    {"search": "50%"},
    {"in_stock": True},
    {"in_stock": False},
    {"in_stock": True, "search": "pump"},
]


def test_every_page_matches_the_portable_reads(catalog, audiences):
    checked = 0
    for (who, user), filters, ordering, currency in combinations(
        audiences.items(), FILTERS, sorted(selectors.ORDERINGS), [None, "NGN", "EUR"]
    ):
        filters = dict(filters)
        if "category_ids" in filters:
            filters["category_ids"] = selectors.category_with_descendants(identifier=filters["category_ids"])
        for offset, limit in [(0, 100), (2, 2), (50, 10)]:
            kwargs = dict(user=user, currency=currency, ordering=ordering, offset=offset, limit=limit)
            fast = _both(selectors.product_page, **kwargs, **filters)
            portable = selectors.product_page_portable(**kwargs, **filters)
            assert fast == portable, (who, filters, ordering, currency, offset, limit)
            checked += 1
    assert checked == 3 * len(FILTERS) * len(selectors.ORDERINGS) * 3 * 3


def test_pages_are_not_empty_and_see_what_the_audience_may_see(catalog, audiences):
    public = selectors.product_page(user=audiences["anonymous"], currency=None, limit=100)
    staff = selectors.product_page(user=audiences["staff"], currency=None, limit=100)
    assert public.total == 5 and {c["status"] for c in public.cards} == {"active"}
    assert staff.total == 7
    assert public.currency == "USD"


def test_every_product_page_matches_the_portable_read(catalog, audiences):
    slugs = [p.slug for p in catalog] + ["no-such-product"]
    for (who, user), slug, currency in combinations(audiences.items(), slugs, [None, "USD", "NGN", "EUR"]):
        fast = _both(selectors.product_detail, user=user, slug=slug, currency=currency)
        portable = selectors.product_detail_portable(user=user, slug=slug, currency=currency)
        assert fast == portable, (who, slug, currency)


def test_documents_on_the_product_page_follow_the_access_levels(catalog, audiences):
    slug = catalog[0].slug
    titles = {
        who: [d["title"] for d in selectors.product_detail(user=user, slug=slug, currency=None)["documents"]]
        for who, user in audiences.items()
    }
    assert titles["anonymous"] == ["Brochure", "Sheet public"]
    assert titles["customer"] == ["Brochure", "Sheet authenticated", "Sheet public"]
    assert titles["staff"] == ["Brochure", "Sheet authenticated", "Sheet private", "Sheet public"]


def test_the_site_default_currency_is_read_in_the_same_statement(
    catalog, audiences, django_assert_num_queries
):
    site_settings_get()
    site_settings_update(data={"default_currency": "NGN"}, actor=None)
    with django_assert_num_queries(1):
        page = selectors.product_page(user=audiences["anonymous"], currency=None, limit=100)
    assert page.currency == "NGN"
    cedar = next(c for c in page.cards if c["name"] == "Cedar pump")
    assert cedar["price_from"] == {"amount": "5000.00", "currency": "NGN", "compare_at_amount": None}
    with django_assert_num_queries(1):
        detail = selectors.product_detail(user=audiences["anonymous"], slug=catalog[1].slug, currency=None)
    assert detail["currency"] == "NGN" and detail["price_from"] is None
    assert detail["variants"][0]["available"] is False


def test_products_in_a_page_keep_a_stable_order_when_sort_keys_tie(catalog, audiences):
    Product.objects.update(position=0)
    seen = []
    for offset in range(0, 7, 2):
        page = selectors.product_page(user=audiences["staff"], currency=None, offset=offset, limit=2)
        seen += [c["id"] for c in page.cards]
    assert len(seen) == len(set(seen)) == 7
