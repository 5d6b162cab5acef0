"""catalog 0005 and 0006: a PostgreSQL database migrated while catalog 0003 still kept
per-status product counts by triggers loses that first version (0005) and gets the counts
again from 0006, started from the products as they are; products are written and listed as
before, and migrating back to 0005 removes them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.catalog import selectors
from apps.catalog.models import Product

pytestmark = pytest.mark.postgres

BEFORE = [("catalog", "0004_private_document_files")]

# What the first version of catalog 0003 created (its table, function and triggers).
OLD_0003 = """
CREATE TABLE catalog_product_status_count (
    id bigserial PRIMARY KEY, status varchar(16) NOT NULL, n bigint NOT NULL);
CREATE FUNCTION catalog_product_status_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO catalog_product_status_count (status, n)
            SELECT status, count(*) FROM new_rows GROUP BY status;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER catalog_product_status_count_insert AFTER INSERT ON catalog_product
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_update AFTER UPDATE ON catalog_product
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_delete AFTER DELETE ON catalog_product
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_truncate AFTER TRUNCATE ON catalog_product
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
"""


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _left() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('catalog_product_status_count')")
        table = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'catalog_product'::regclass AND NOT tgisinternal"
        )
        triggers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'catalog_product_status_count_apply'")
        return table, triggers, cursor.fetchone()[0]


DROPPED = [("catalog", "0005_drop_product_status_counts")]


def _kept() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, sum(n) FROM catalog_product_status_count GROUP BY status HAVING sum(n) <> 0"
        )
        return dict(cursor.fetchall())


def _leaf():
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_first_version_is_dropped_and_the_counts_start_again_exact():
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(OLD_0003)
    # Written while the first version (its insert trigger only) counted them.
    for n in range(4):
        Product.objects.create(name=f"P {n}", slug=f"p-{n}", status="active" if n < 2 else "archived")
    assert _left() == ("catalog_product_status_count", 4, 1)

    _migrate(DROPPED)
    assert _left() == (None, 0, 0)
    _leaf()
    assert _left() == ("catalog_product_status_count", 4, 1)
    assert _kept() == {"active": 2, "archived": 2}
    Product.objects.create(name="After", slug="after")
    Product.objects.filter(slug="p-3").update(status="active")
    assert _kept() == {"active": 4, "archived": 1}
    assert selectors.product_page(user=None, currency=None).total == 4

    _migrate(DROPPED)  # and back: 0006 removes what it made
    assert _left() == (None, 0, 0)
    _leaf()
    assert _kept() == {"active": 4, "archived": 1}
