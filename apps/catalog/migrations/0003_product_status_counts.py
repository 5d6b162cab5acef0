"""Empty: this migration once kept per-status product counts in a table by triggers, which
migration 0005 removes from databases that have them (ADR 0006). It stays, empty, because
later migrations of other apps depend on its name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_search_text")]

    operations: list = []
