"""Migration operations shared by the apps' migrations."""

from __future__ import annotations

from django.db import migrations


class PostgreSQLOnlySQL(migrations.RunSQL):
    """Raw SQL for a PostgreSQL-only structure (a sequence, an expression index, triggers): run
    on PostgreSQL, nothing on other databases. Give ``sql`` and ``reverse_sql`` as one-item
    lists so a script runs as one string, unsplit (function bodies in dollar quotes included)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Raw SQL operation (PostgreSQL only)"
