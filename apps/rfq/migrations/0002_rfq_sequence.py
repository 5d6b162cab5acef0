"""PostgreSQL: the sequence behind RFQ numbers (services.numbers), so concurrent submissions
take numbers without waiting on one another. Nothing on other databases."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS rfq_rfq_sequence_seq START 1")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS rfq_rfq_sequence_seq")


class Migration(migrations.Migration):
    dependencies = [("rfq", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
