"""PostgreSQL: the sequence behind order numbers (services.numbers), so concurrent checkouts
take numbers without waiting on one another. Nothing on other databases."""

from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        PostgreSQLOnlySQL(
            ["CREATE SEQUENCE IF NOT EXISTS orders_order_sequence_seq START 1"],
            ["DROP SEQUENCE IF EXISTS orders_order_sequence_seq"],
            elidable=False,
        )
    ]
