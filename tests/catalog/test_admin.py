"""The catalog admin: changelists, tree display, archive and duplicate actions."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.catalog.models import Price, Product, Variant
from apps.core.models import ActivityLog
from tests.accounts.factories import UserFactory

from .factories import CategoryFactory, ProductImageFactory, product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True, roles=["admin"])


@pytest.fixture
def admin_browser(superuser):
    client = Client()
    client.force_login(superuser)
    client.user = superuser
    return client


@pytest.fixture
def products():
    tiller = product_with_variants({"USD": "10", "NGN": "15000"}, {"USD": "12"}, name="Rotary Tiller")
    ProductImageFactory(product=tiller)
    pump = product_with_variants({"USD": "99"}, name="Water Pump")
    return tiller, pump


def test_product_changelist_lists_products(admin_browser, products):
    response = admin_browser.get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rotary Tiller" in html
    assert "Water Pump" in html


def test_product_change_page_loads(admin_browser, products):
    response = admin_browser.get(reverse("admin:catalog_product_change", args=[products[0].pk]))
    assert response.status_code == 200
    assert products[0].variants.first().sku in response.content.decode()


def run_action(client, action, objects):
    return client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": action, "_selected_action": [str(o.pk) for o in objects]},
    )


def test_archive_action_archives_and_logs(admin_browser, products):
    tiller, pump = products
    response = run_action(admin_browser, "archive", [tiller, pump])
    assert response.status_code == 302
    assert set(Product.objects.values_list("status", flat=True)) == {"archived"}
    logs = ActivityLog.objects.filter(entity_type="catalog.product", action="product.archive")
    assert {log.entity_id for log in logs} == {str(tiller.pk), str(pump.pk)}
    assert {log.actor_id for log in logs} == {admin_browser.user.pk}


def test_duplicate_action_copies_with_new_skus_as_coming_soon_and_logs(admin_browser, products):
    tiller, _ = products
    response = run_action(admin_browser, "duplicate", [tiller])
    assert response.status_code == 302
    copy = Product.objects.exclude(pk__in=[p.pk for p in products]).get()
    assert copy.status == Product.Status.COMING_SOON
    assert copy.slug != tiller.slug
    assert copy.name.startswith("Rotary Tiller")
    original_skus = sorted(tiller.variants.values_list("sku", flat=True))
    assert sorted(copy.variants.values_list("sku", flat=True)) == sorted(f"{s}-COPY" for s in original_skus)
    # Prices and images come along; the original is untouched.
    assert Price.objects.filter(variant__product=copy).count() == 3
    assert copy.images.count() == 1
    assert tiller.variants.count() == 2
    assert Product.objects.get(pk=tiller.pk).status == Product.Status.ACTIVE
    log = ActivityLog.objects.get(entity_type="catalog.product", entity_id=str(copy.pk))
    assert log.action == "create"
    assert log.actor == admin_browser.user


def test_duplicating_twice_keeps_skus_unique(admin_browser, products):
    tiller, _ = products
    run_action(admin_browser, "duplicate", [tiller])
    run_action(admin_browser, "duplicate", [tiller])
    assert Product.objects.count() == 4
    skus = list(Variant.objects.values_list("sku", flat=True))
    assert len(skus) == len(set(skus)) == 7


def test_category_changelist_shows_children_indented_after_their_parent(admin_browser):
    zeta = CategoryFactory(name="Zeta Machinery", position=0)
    CategoryFactory(name="Alpha Parts", position=1)
    CategoryFactory(name="Beta Tractors", parent=zeta)
    response = admin_browser.get(reverse("admin:catalog_category_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    # Parent, then its child (indented), then the next root — despite alphabetical order.
    assert html.index("Zeta Machinery") < html.index("Beta Tractors") < html.index("Alpha Parts")
    assert "\u2003└ Beta Tractors" in html
    assert "└ Zeta Machinery" not in html
    assert "└ Alpha Parts" not in html


def test_non_staff_cannot_open_the_catalog_admin(products):
    client = Client()
    client.force_login(UserFactory(roles=["customer"]))
    response = client.get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
