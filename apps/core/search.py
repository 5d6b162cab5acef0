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


def text_search(queryset, *, q: str, vector_sql: str, fallback_fields: list[str], newest: list[str]):
    """``queryset`` narrowed to what matches ``q``, best first, annotated with ``rank``; None
    when ``q`` has no words. PostgreSQL: the weighted tsvector ``vector_sql`` (a constant that
    must equal the GIN-indexed expression) with prefix matching, ranked, ties newest first
    (``newest``: the ordering). Elsewhere: every word a case-insensitive substring of one of
    ``fallback_fields``, newest first, rank 0."""
    from django.db import connection
    from django.db.models import BooleanField, FloatField, Q, Value
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        query = tsquery_text(q)
        if query is None:
            return None
        # The SQL is a constant expression (it must equal the indexed one); input is bound.
        matches = RawSQL(  # noqa: S611
            f"({vector_sql}) @@ to_tsquery('{CONFIG}', %s)", [query], output_field=BooleanField()
        )
        rank = RawSQL(  # noqa: S611
            f"ts_rank({vector_sql}, to_tsquery('{CONFIG}', %s))", [query], output_field=FloatField()
        )
        return queryset.filter(matches).annotate(rank=rank).order_by("-rank", *newest)
    words = q.split()
    if not words:
        return None
    for word in words:
        any_field = Q()
        for field in fallback_fields:
            any_field |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(any_field)
    return queryset.annotate(rank=Value(0.0, output_field=FloatField())).order_by(*newest)


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
