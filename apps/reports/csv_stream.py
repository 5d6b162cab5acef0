"""CSV rows for spreadsheets, streamed: cells formatted one way everywhere (money as plain
decimals, timestamps ISO 8601 UTC, JSON as JSON) and text neutralised against formula
injection, written in chunks so a response of any length holds a few kilobytes at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CHUNK_ROWS = 500


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1+cmd|...``,
    ``@SUM(...)``, a leading tab or carriage return) gets a leading apostrophe: shown as text,
    never evaluated (OWASP's advice for CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value) -> str:
    """One cell. Only text can carry a formula: numbers we format ourselves (a negative stock
    delta, -3) stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def header_text(header: list[str], *, bom: bool = False) -> str:
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    csv.writer(buffer, lineterminator="\r\n").writerow(header)
    return buffer.getvalue()


def row_chunks(rows: Iterable[tuple]) -> Iterator[tuple[str, int]]:
    """The rows as text chunks of about CHUNK_ROWS rows, each with the number of rows in it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue(), pending
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue(), pending


def csv_chunks(header: list[str], rows: Iterable[tuple], *, bom: bool = False) -> Iterator[str]:
    """The header, then the rows, as text chunks of about CHUNK_ROWS rows each."""
    yield header_text(header, bom=bom)
    for text, _ in row_chunks(rows):
        yield text
