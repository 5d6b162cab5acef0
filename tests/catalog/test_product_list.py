"""GET /api/v1/products: visibility, filters, currency, price range, ordering, search."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.models import SiteSettings
from apps.core.roles import STAFF_ROLES
from apps.core.selectors import SITE_SETTINGS_CACHE_KEY
from tests.helpers import assert_error

from .factories import CategoryFactory, PriceFactory, VariantFactory, product_with_variants

pytestmark = pytest.mark.django_db

URL = "/api/v1/products"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["slug"] for p in response.json()["results"]]


@pytest.fixture
def one_of_each_status():
    return {
        status: product_with_variants({"USD": "10.00"}, name=f"Machine {status}", status=status)
        for status in Product.Status.values
    }


# --- visibility ---------------------------------------------------------------------------


def test_anonymous_list_shows_only_active_products(api_client, one_of_each_status):
    assert slugs(api_client.get(URL)) == ["machine-active"]


def test_customer_list_shows_only_active_products(auth_client, one_of_each_status):
    assert slugs(auth_client("customer").get(URL)) == ["machine-active"]


def test_public_cannot_reveal_hidden_products_with_status_param(api_client, auth_client, one_of_each_status):
    for status in ("archived", "coming_soon", "discontinued"):
        assert slugs(api_client.get(URL, {"status": status})) in ([], ["machine-active"])
        assert slugs(auth_client("customer").get(URL, {"status": status})) in ([], ["machine-active"])


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_can_filter_by_any_status(auth_client, one_of_each_status, role):
    client = auth_client(role)
    for status in Product.Status.values:
        assert slugs(client.get(URL, {"status": status})) == [one_of_each_status[status].slug]


def test_staff_without_status_filter_see_every_status(auth_client, one_of_each_status):
    assert len(slugs(auth_client("content").get(URL))) == 4


def test_invalid_status_value_is_400(api_client, auth_client):
    assert_error(api_client.get(URL, {"status": "deleted"}), 400, kind="validation_error", attr="status")
    assert_error(
        auth_client("admin").get(URL, {"status": "deleted"}), 400, kind="validation_error", attr="status"
    )


def test_list_uses_the_page_envelope(api_client):
    product_with_variants({"USD": "10.00"})
    body = api_client.get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1


def test_list_works_with_and_without_trailing_slash(api_client):
    product_with_variants({"USD": "10.00"}, name="Tractor")
    assert slugs(api_client.get("/api/v1/products")) == ["tractor"]
    assert slugs(api_client.get("/api/v1/products/")) == ["tractor"]


def test_post_with_trailing_slash_is_not_redirected(auth_client):
    response = auth_client("content").post(
        "/api/v1/products/",
        {"name": "Slash", "variants": [{"sku": "SL-1", "prices": [{"currency": "USD", "amount": "1"}]}]},
        format="json",
    )
    assert response.status_code == 201, response.content


# --- category -----------------------------------------------------------------------------


@pytest.fixture
def tree():
    root = CategoryFactory(name="Machinery")
    child = CategoryFactory(name="Tractors", parent=root)
    grandchild = CategoryFactory(name="Compact Tractors", parent=child)
    other = CategoryFactory(name="Parts")
    product_with_variants({"USD": "1"}, name="Root machine", category=root)
    product_with_variants({"USD": "1"}, name="Big tractor", category=child)
    product_with_variants({"USD": "1"}, name="Small tractor", category=grandchild)
    product_with_variants({"USD": "1"}, name="Filter", category=other)
    product_with_variants({"USD": "1"}, name="Loose")
    return {"root": root, "child": child, "grandchild": grandchild, "other": other}


def test_category_filter_by_slug_includes_all_descendants(api_client, tree):
    assert sorted(slugs(api_client.get(URL, {"category": "machinery"}))) == [
        "big-tractor",
        "root-machine",
        "small-tractor",
    ]
    assert sorted(slugs(api_client.get(URL, {"category": "tractors"}))) == ["big-tractor", "small-tractor"]
    assert slugs(api_client.get(URL, {"category": "compact-tractors"})) == ["small-tractor"]


def test_category_filter_by_id_includes_all_descendants(api_client, tree):
    assert sorted(slugs(api_client.get(URL, {"category": str(tree["root"].pk)}))) == [
        "big-tractor",
        "root-machine",
        "small-tractor",
    ]
    assert slugs(api_client.get(URL, {"category": str(tree["other"].pk)})) == ["filter"]


def test_unknown_category_is_400(api_client, tree):
    assert_error(
        api_client.get(URL, {"category": "no-such-thing"}), 400, kind="validation_error", attr="category"
    )
    assert_error(
        api_client.get(URL, {"category": "3f7c2d9e-0000-4000-8000-000000000000"}),
        400,
        kind="validation_error",
        attr="category",
    )


# --- currency -----------------------------------------------------------------------------


@pytest.fixture
def two_currency_product():
    # First variant priced in both currencies, second in USD only.
    return product_with_variants({"USD": "1499", "NGN": "2100000.5"}, {"USD": "1599"}, name="Tiller")


def test_currency_param_shows_prices_in_that_currency(api_client, two_currency_product):
    [card] = api_client.get(URL, {"currency": "NGN"}).json()["results"]
    assert card["currency"] == "NGN"
    first, second = card["variants"]
    assert first["price"]["amount"] == "2100000.50"
    assert first["price"]["currency"] == "NGN"
    assert first["available"] is True
    assert card["price_from"] == {"amount": "2100000.50", "currency": "NGN", "compare_at_amount": None}


def test_variant_without_a_price_in_the_currency_is_unavailable_not_converted(
    api_client, two_currency_product
):
    [card] = api_client.get(URL, {"currency": "NGN"}).json()["results"]
    second = card["variants"][1]
    assert second["price"] is None
    assert second["available"] is False
    [usd] = api_client.get(URL, {"currency": "USD"}).json()["results"]
    assert [v["price"]["amount"] for v in usd["variants"]] == ["1499.00", "1599.00"]
    assert all(v["available"] for v in usd["variants"])


def test_currency_param_is_case_insensitive(api_client, two_currency_product):
    response = api_client.get(URL, {"currency": "ngn"})
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["variants"][0]["price"]["currency"] == "NGN"


@pytest.mark.parametrize("bad", ["US", "usd1", "EURO", "1SD"])
def test_invalid_currency_is_400(api_client, two_currency_product, bad):
    assert_error(api_client.get(URL, {"currency": bad}), 400, kind="validation_error", attr="currency")


def test_default_currency_is_the_users_preferred_currency(auth_client, two_currency_product):
    client = auth_client("customer", preferred_currency="NGN")
    [card] = client.get(URL).json()["results"]
    assert card["currency"] == "NGN"
    assert card["variants"][0]["price"] == {
        "amount": "2100000.50",
        "currency": "NGN",
        "compare_at_amount": None,
    }


def test_default_currency_for_anonymous_is_the_site_default(api_client, two_currency_product):
    SiteSettings.objects.update_or_create(singleton=1, defaults={"default_currency": "NGN"})
    cache.delete(SITE_SETTINGS_CACHE_KEY)
    [card] = api_client.get(URL).json()["results"]
    assert card["currency"] == "NGN"
    assert card["variants"][0]["price"]["amount"] == "2100000.50"


def test_default_currency_for_anonymous_is_usd_out_of_the_box(api_client, two_currency_product):
    [card] = api_client.get(URL).json()["results"]
    assert card["currency"] == "USD"


def test_explicit_currency_beats_preferred_currency(auth_client, two_currency_product):
    client = auth_client("customer", preferred_currency="NGN")
    [card] = client.get(URL, {"currency": "USD"}).json()["results"]
    assert card["variants"][0]["price"]["amount"] == "1499.00"


# --- price range --------------------------------------------------------------------------


@pytest.fixture
def priced():
    product_with_variants({"USD": "10", "NGN": "9000"}, {"USD": "50", "NGN": "60000"}, name="Alpha")
    product_with_variants({"USD": "30", "NGN": "1000"}, name="Bravo")
    product_with_variants({"USD": "100"}, name="Charlie")  # no NGN price at all
    delta = product_with_variants({"USD": "500", "NGN": "20000"}, name="Delta")
    inactive = VariantFactory(product=delta, is_active=False)
    PriceFactory(variant=inactive, currency="USD", amount="20")  # an inactive variant never matches


def test_min_and_max_price_filter_in_the_chosen_currency(api_client, priced):
    assert sorted(slugs(api_client.get(URL, {"currency": "USD", "min_price": "40", "max_price": "100"}))) == [
        "alpha",
        "charlie",
    ]
    assert sorted(
        slugs(api_client.get(URL, {"currency": "NGN", "min_price": "5000", "max_price": "10000"}))
    ) == ["alpha"]
    assert sorted(slugs(api_client.get(URL, {"currency": "NGN", "max_price": "1000"}))) == ["bravo"]
    assert sorted(slugs(api_client.get(URL, {"currency": "NGN", "min_price": "15000"}))) == ["alpha", "delta"]


def test_price_range_ignores_inactive_variants(api_client, priced):
    assert slugs(api_client.get(URL, {"currency": "USD", "min_price": "15", "max_price": "25"})) == []


def test_invalid_price_bound_is_400(api_client):
    assert_error(api_client.get(URL, {"min_price": "cheap"}), 400, kind="validation_error", attr="min_price")


# --- ordering -----------------------------------------------------------------------------


@pytest.fixture
def ordered_products():
    now = timezone.now()
    specs = [("Charlie", "30", 2), ("Alpha", "20", 3), ("Bravo", "10", 1)]
    for i, (name, usd, position) in enumerate(specs):
        p = product_with_variants({"USD": usd}, name=name, position=position)
        Product.objects.filter(pk=p.pk).update(created_at=now - datetime.timedelta(days=10 - i))
    product_with_variants({"NGN": "5"}, name="Delta", position=0)  # no USD price: sorts last by price
    Product.objects.filter(slug="delta").update(created_at=now - datetime.timedelta(days=20))


@pytest.mark.parametrize(
    "ordering,expected",
    [
        ("name", ["alpha", "bravo", "charlie", "delta"]),
        ("-name", ["delta", "charlie", "bravo", "alpha"]),
        ("price", ["bravo", "alpha", "charlie", "delta"]),
        ("-price", ["charlie", "alpha", "bravo", "delta"]),
        ("newest", ["bravo", "alpha", "charlie", "delta"]),
        ("position", ["delta", "bravo", "charlie", "alpha"]),
    ],
)
def test_ordering(api_client, ordered_products, ordering, expected):
    assert slugs(api_client.get(URL, {"ordering": ordering, "currency": "USD"})) == expected


def test_default_ordering_is_position(api_client, ordered_products):
    assert slugs(api_client.get(URL, {"currency": "USD"})) == ["delta", "bravo", "charlie", "alpha"]


def test_unknown_ordering_is_400(api_client):
    assert_error(
        api_client.get(URL, {"ordering": "popularity"}), 400, kind="validation_error", attr="ordering"
    )


# --- search -------------------------------------------------------------------------------


@pytest.fixture
def searchable():
    product_with_variants({"USD": "1"}, name="Rotary Tiller", description="Breaks ground.")
    product_with_variants({"USD": "1"}, name="Water Pump", description="Moves water from the borehole.")
    product = product_with_variants({"USD": "1"}, name="Generator", description="Power.")
    VariantFactory(product=product, sku="GEN-XZ-9000")


def test_search_matches_name(api_client, searchable):
    assert slugs(api_client.get(URL, {"search": "tiller"})) == ["rotary-tiller"]


def test_search_matches_description(api_client, searchable):
    assert slugs(api_client.get(URL, {"search": "borehole"})) == ["water-pump"]


def test_search_matches_sku(api_client, searchable):
    assert slugs(api_client.get(URL, {"search": "xz-9000"})) == ["generator"]


def test_search_without_match_is_empty(api_client, searchable):
    body = api_client.get(URL, {"search": "helicopter"}).json()
    assert body["count"] == 0
    assert body["results"] == []
