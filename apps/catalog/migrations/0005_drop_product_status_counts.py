"""PostgreSQL: drop the per-status product counts (a table kept by triggers on
catalog_product, from the first version of migration 0003). The product list counts its
products in the statement that reads the page (ADR 0006). Nothing on other databases, and
nothing to do where they were never created."""

from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL

DROP = """
DROP TRIGGER IF EXISTS catalog_product_status_count_insert ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_update ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_delete ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_truncate ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_status_count_apply();
DROP TABLE IF EXISTS catalog_product_status_count;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_private_document_files")]

    operations = [PostgreSQLOnlySQL([DROP], migrations.RunSQL.noop, elidable=True)]
