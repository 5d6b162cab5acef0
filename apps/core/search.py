"""Full-text search helpers shared by the apps that own searchable data.

On PostgreSQL each app indexes a weighted tsvector expression with GIN (created by a
migration through ``gin_index_operation``) and queries the same expression, so the planner
uses the index. The query is built from the words of the input only (letters and digits),
each as a prefix (``arch`` finds "Archer"); input is always a bound parameter. Other
databases fall back to case-insensitive substring matching.
"""

from __future__ import annotations

import re

from django.db import migrations

WORD = re.compile(r"\w+", re.UNICODE)
CONFIG = "simple"


def tsquery_text(q: str, *, max_words: int = 8) -> str | None:
    words = [w for w in WORD.findall(q.lower()) if w.replace("_", "")][:max_words]
    return " & ".join(f"{w}:*" for w in words) or None


def weighted_vector_sql(weighted_columns: list[tuple[str, str]], table: str | None = None) -> str:
    """``[("name", "A"), ("search_text", "B")]`` → the tsvector expression; columns qualified by
    ``table`` in queries (the index stores them resolved, so both forms use it)."""
    prefix = f'"{table}".' if table else ""
    return " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, coalesce({prefix}\"{col}\", '')), '{w}')"
        for col, w in weighted_columns
    )


def gin_index_operation(*, table: str, name: str, weighted_columns: list[tuple[str, str]]):
    """A migration operation that creates the GIN index on PostgreSQL and does nothing elsewhere."""
    expression = weighted_vector_sql(weighted_columns)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards, elidable=False)
