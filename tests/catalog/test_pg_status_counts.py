"""PostgreSQL: the per-status product counts kept by triggers (catalog migration 0006) stay
exact through every kind of write, also from concurrent writers without deadlocks; the
compaction job keeps the sums; the product list's total comes from them."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections, transaction
from django.db.models import Count

from apps.catalog import selectors
from apps.catalog.models import Product
from apps.catalog.tasks import compact_product_status_counts

from .factories import ProductFactory

pytestmark = pytest.mark.postgres


def kept_counts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, sum(n) FROM catalog_product_status_count GROUP BY status HAVING sum(n) <> 0"
        )
        return dict(cursor.fetchall())


def count_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product_status_count")
        return cursor.fetchone()[0]


def real_counts() -> dict:
    return {r["status"]: r["n"] for r in Product.objects.values("status").annotate(n=Count("id"))}


@pytest.mark.django_db
def test_counts_follow_inserts_updates_and_deletes():
    made = [ProductFactory(status=s) for s in ["active", "active", "active", "coming_soon", "archived"]]
    assert kept_counts() == real_counts() == {"active": 3, "coming_soon": 1, "archived": 1}

    Product.objects.bulk_create([Product(name=f"Bulk {i}", slug=f"bulk-{i}") for i in range(4)])
    assert kept_counts() == real_counts()

    Product.objects.filter(status="active").update(status="discontinued")  # bulk, no signals
    assert kept_counts() == real_counts()

    made[3].status = "active"
    made[3].save()
    made[4].name = "Renamed, same status"
    made[4].save()
    assert kept_counts() == real_counts()

    Product.objects.filter(slug__startswith="bulk-").delete()
    made[0].delete()
    assert kept_counts() == real_counts()

    with connection.cursor() as cursor:  # swap two statuses in one statement
        cursor.execute(
            "UPDATE catalog_product SET status = CASE status WHEN 'active' THEN 'archived'"
            " WHEN 'archived' THEN 'active' ELSE status END"
        )
    assert kept_counts() == real_counts()


@pytest.mark.django_db(transaction=True)
def test_truncate_resets_them():
    ProductFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_product CASCADE")
    assert kept_counts() == {}
    ProductFactory()
    assert kept_counts() == {"active": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_them_exact():
    barrier = threading.Barrier(4)
    errors = []

    def writer(n: int):
        try:
            barrier.wait(timeout=10)
            for i in range(15):
                with transaction.atomic():
                    ProductFactory(name=f"Writer {n} product {i}", status=["active", "archived"][i % 2])
                    if i % 5 == 0:
                        Product.objects.filter(name__startswith=f"Writer {n} ").update(status="coming_soon")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []  # appending changes takes no lock another writer waits for: no deadlock
    assert sum(kept_counts().values()) == 60
    assert kept_counts() == real_counts()
    active = real_counts().get("active", 0)
    assert selectors.product_page(user=AnonymousUser(), currency=None).total == active
    compact_product_status_counts.delay()
    assert kept_counts() == real_counts()
    assert count_rows() == len(real_counts())


@pytest.mark.django_db
def test_compaction_folds_the_changes_and_keeps_the_sums():
    for status in ["active", "active", "archived", "coming_soon"]:
        ProductFactory(status=status)
    Product.objects.filter(status="coming_soon").delete()
    assert count_rows() > 3
    before = kept_counts()
    assert compact_product_status_counts.delay().get() is True
    assert kept_counts() == before == real_counts() == {"active": 2, "archived": 1}
    assert count_rows() == 2
    compact_product_status_counts.delay()  # again: nothing changes
    assert kept_counts() == before and count_rows() == 2
