"""Emptied: on PostgreSQL this migration used to add, to each user object permission on an
inquiry, a copy of the inquiry's ``created_at`` and ``deleted_at`` kept by triggers, for the
sales user's list. That list now reads a partial index on the inquiry itself, and migration
0006 drops the copy, its index, the triggers and their functions where this migration made
them (databases migrated before it was emptied). On a new database it does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_inquiry_stale_reminder")]

    operations: list = []
