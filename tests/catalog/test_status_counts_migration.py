"""catalog 0005: a PostgreSQL database migrated while catalog 0003 still kept per-status
product counts by triggers loses the triggers, their function and their table; products are
written and listed as before."""

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


@pytest.mark.django_db(transaction=True)
def test_the_status_counts_are_dropped():
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(OLD_0003)
    assert _left() == ("catalog_product_status_count", 4, 1)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert _left() == (None, 0, 0)
    Product.objects.create(name="After", slug="after")
    assert selectors.product_page(user=None, currency=None).total == 1

    _migrate(BEFORE)  # and back: nothing to recreate
    assert _left() == (None, 0, 0)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
