"""PostgreSQL: the product list's total comes with the page in one statement (from the
per-status counts kept by triggers, migration 0006, or counted when filtered), and is exact
after every kind of write (ORM saves, bulk ``QuerySet.update()``, raw SQL, deletes, TRUNCATE,
concurrent writers), per status as each audience sees it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count

from apps.catalog import selectors
from apps.catalog.models import Product

from .factories import ProductFactory, product_with_variants

pytestmark = pytest.mark.postgres


def listed_counts(staff) -> dict:
    """The list's total for each status, as staff filtering by status see it."""
    return {
        status: total
        for status in Product.Status.values
        if (total := selectors.product_page(user=staff, currency=None, status=status, limit=1).total)
    }


def real_counts() -> dict:
    return {r["status"]: r["n"] for r in Product.objects.values("status").annotate(n=Count("id"))}


def public_total() -> int:
    return selectors.product_page(user=AnonymousUser(), currency=None, limit=1).total


@pytest.fixture
def staff(make_user):
    return make_user("content")


@pytest.mark.django_db
def test_totals_follow_inserts_updates_and_deletes(staff):
    made = [ProductFactory(status=s) for s in ["active", "active", "active", "coming_soon", "archived"]]
    assert listed_counts(staff) == real_counts() == {"active": 3, "coming_soon": 1, "archived": 1}
    assert public_total() == 3

    Product.objects.bulk_create([Product(name=f"Bulk {i}", slug=f"bulk-{i}") for i in range(4)])
    assert listed_counts(staff) == real_counts()

    Product.objects.filter(status="active").update(status="discontinued")  # bulk, no signals
    assert listed_counts(staff) == real_counts()
    assert public_total() == 0

    made[3].status = "active"
    made[3].save()
    made[4].name = "Renamed, same status"
    made[4].save()
    assert listed_counts(staff) == real_counts()

    Product.objects.filter(slug__startswith="bulk-").delete()
    made[0].delete()
    assert listed_counts(staff) == real_counts()
    assert selectors.product_page(user=staff, currency=None).total == Product.objects.count()

    with connection.cursor() as cursor:  # swap two statuses in one statement
        cursor.execute(
            "UPDATE catalog_product SET status = CASE status WHEN 'active' THEN 'archived'"
            " WHEN 'archived' THEN 'active' ELSE status END"
        )
    assert listed_counts(staff) == real_counts()


@pytest.mark.django_db
def test_the_list_total_comes_with_the_page_and_changes_at_once(django_assert_num_queries):
    for i in range(3):
        product_with_variants(name=f"Pump {i}")
    ProductFactory(status="archived")
    anonymous = AnonymousUser()
    with django_assert_num_queries(1) as captured:
        page = selectors.product_page(user=anonymous, currency=None, limit=2)
    assert (page.total, len(page.cards)) == (3, 2)
    assert "catalog_product_status_count" in captured.captured_queries[0]["sql"]  # the kept counts

    Product.objects.filter(name="Pump 0").update(status="archived")
    assert selectors.product_page(user=anonymous, currency=None).total == 2
    assert selectors.product_page(user=anonymous, currency=None, search="Pump").total == 2


@pytest.mark.django_db
def test_a_page_past_the_end_still_has_its_total():
    ProductFactory.create_batch(3)
    page = selectors.product_page(user=AnonymousUser(), currency=None, offset=20, limit=20)
    assert (page.total, page.cards) == (3, [])


@pytest.mark.django_db(transaction=True)
def test_truncate_empties_the_list():
    ProductFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_product CASCADE")
    assert public_total() == 0
    ProductFactory()
    assert public_total() == 1


@pytest.mark.django_db
def test_the_status_counts_have_their_four_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'catalog_product'::regclass AND NOT tgisinternal"
        )
        names = sorted(row[0] for row in cursor.fetchall())
    operations = ("delete", "insert", "truncate", "update")
    assert names == [f"catalog_product_status_count_{operation}" for operation in operations]
