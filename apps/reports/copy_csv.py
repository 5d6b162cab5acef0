"""The PostgreSQL fast path of the CSV exports: the database writes the rows itself
(``COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)``), so a million rows stream at the speed of
the disk and the network instead of the speed of a Python loop formatting fourteen cells a row.

The cells are formatted in SQL exactly as ``csv_stream.cell`` formats them in Python: text
neutralised against formula injection (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets an apostrophe), money as plain decimals, timestamps ISO 8601 UTC to the second with
a ``Z``, booleans ``true``/``false``, empty text and NULL both as an empty cell, rows ended by
CRLF. The two paths give the same bytes (``tests/reports/test_export_copy.py``); a dataset with
a column this module cannot format the same way (JSON, IP addresses) takes the Python path.

The rows are those of the same Django queryset (the dataset's rows for the caller, the list
endpoint's filters, the dataset's order), compiled to SQL: nothing about who sees what is
written twice."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connections, models
from django.db.models import F, Func, QuerySet

# Django fields whose values this module formats as the Python path does.
TEXT = (models.CharField, models.TextField)  # Email, Slug, URL and choice fields are CharFields
AS_TEXT = (
    models.DecimalField,
    models.IntegerField,  # and the big, small and positive kinds
    models.UUIDField,
    models.DateField,  # not DateTimeField (a subclass): checked first below
)
FORMULA_START = "('=', '+', '-', '@', E'\\t', E'\\r')"
CHUNK_BYTES = 64 * 1024


def _text(expression):
    return Func(
        expression,
        template=(
            "NULLIF(CASE WHEN left(%(expressions)s, 1) IN " + FORMULA_START + " "
            "THEN '''' || %(expressions)s ELSE %(expressions)s END, '')"
        ),
        output_field=models.TextField(),
    )


def _cell(expression, field):
    """The SQL of one cell, or None when only Python formats this kind of column."""
    if isinstance(field, models.DateTimeField):
        return Func(
            expression,
            template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""",
            output_field=models.TextField(),
        )
    if isinstance(field, models.BooleanField):
        return Func(
            expression,
            template="CASE WHEN %(expressions)s THEN 'true' WHEN NOT %(expressions)s THEN 'false' END",
            output_field=models.TextField(),
        )
    if isinstance(field, TEXT):
        return _text(expression)
    if isinstance(field, AS_TEXT):
        return Func(expression, template="CAST(%(expressions)s AS text)", output_field=models.TextField())
    return None


def copy_statement(
    paths: list[str], order_by: tuple[str, ...], queryset: QuerySet
) -> tuple[str, tuple] | None:
    """``COPY (...) TO STDOUT`` for the queryset's rows with these columns, and its parameters;
    None when the database is not PostgreSQL or a column needs the Python path."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    cells = {}
    for i, path in enumerate(paths):
        field = queryset.query.resolve_ref(path).output_field
        if isinstance(field, models.ForeignKey):  # customer_id: the key's own type
            field = field.target_field
        cell = _cell(F(path), field)
        if cell is None:
            return None
        cells[f"_cell{i}"] = cell
    rows = queryset.order_by(*order_by).annotate(**cells).values_list(*cells)
    sql, params = rows.query.get_compiler(using=queryset.db).as_sql()
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params


def copy_rows(statement: tuple[str, tuple], *, using: str = "default") -> Iterator[tuple[bytes, int]]:
    """Run the COPY and yield (CSV bytes, rows in them) in chunks of about CHUNK_BYTES.

    PostgreSQL sends one message per row, so the count is exact whatever the cells hold (a
    message with a line break in it is still one row). The COPY streams as the database reads:
    outside a transaction nothing is held back, the first rows go out at once."""
    import psycopg

    sql, params = statement
    connection = connections[using]
    connection.ensure_connection()
    # COPY takes no bind parameters: a client-side cursor quotes them into the statement.
    with psycopg.ClientCursor(connection.connection) as cursor, cursor.copy(sql, params) as copy:
        buffer, rows = bytearray(), 0
        for row in copy:
            buffer += row[:-1]  # PostgreSQL ends a row with LF; csv_stream (and RFC 4180) with CRLF
            buffer += b"\r\n"
            rows += 1
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer), rows
                buffer.clear()
                rows = 0
        if buffer:
            yield bytes(buffer), rows
