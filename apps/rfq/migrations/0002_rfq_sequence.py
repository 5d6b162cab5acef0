"""PostgreSQL: the sequence behind RFQ numbers (services.numbers), so concurrent submissions
take numbers without waiting on one another. Nothing on other databases."""

from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL


class Migration(migrations.Migration):
    dependencies = [("rfq", "0001_initial")]

    operations = [
        PostgreSQLOnlySQL(
            ["CREATE SEQUENCE IF NOT EXISTS rfq_rfq_sequence_seq START 1"],
            ["DROP SEQUENCE IF EXISTS rfq_rfq_sequence_seq"],
            elidable=False,
        )
    ]
