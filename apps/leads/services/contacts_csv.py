"""Contact import from CSV: reading the file and validating its rows (imports.py plans and
writes them).

The file: UTF-8 (a byte-order mark is fine), comma-separated, a header row first. Columns
(header names are case-insensitive; spaces and hyphens count as underscores; any order):

==============  =========  ===========================================================
column          required   value
==============  =========  ===========================================================
email           yes        the contact's email; the key for duplicates (case-insensitive)
full_name                  up to 200 characters
phone                      digits, spaces, ( ) . / -, optionally starting with +
company                    up to 200 characters
country                    ISO 3166-1 alpha-2 code (NG, US, GB...)
inquiry_type               general (default) | sales | support | partnership
message                    up to 5,000 characters
source                     up to 50 characters; default "import"
budget                     a number ("500000", "500,000"); stored in metadata.budget
timeline                   up to 100 characters; metadata.timeline
org_type                   up to 100 characters; metadata.org_type
==============  =========  ===========================================================

A contact is an Inquiry. Rules:

- Every row is validated before anything is written; problems are reported with the line
  number of the file (the header is line 1) and the column.
- Any invalid row → nothing is imported (400), unless ``skip_invalid``: then the valid rows
  are imported and the invalid ones listed as rejected. ``dry_run`` validates and reports
  what would happen, writing nothing.
- Duplicates by email, within the file and against the stored inquiries (the most recent
  one with that email), update rather than duplicate: a non-empty cell replaces the stored
  value, an empty cell leaves it; budget/timeline/org_type merge into the metadata.
- A user who sees only the inquiries assigned to them (a sales user without the model-wide
  view permission) gets the new contacts assigned; a row matching an inquiry they cannot see
  is rejected instead of changing it.
- Cells are stored exactly as given, including ones starting with = + - @ (a phone number
  starts with +): they are data here; exports neutralise them.
- The whole import is one transaction. Files above LEADS_IMPORT_SYNC_MAX_ROWS rows run as a
  background ImportJob.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from apps.core.errors import ApplicationError, PayloadTooLarge

from ..countries import COUNTRIES, normalize_country
from ..models import Inquiry, phone_validator
from ..scoring import to_number
from .inquiries import normalize_email

COLUMNS = (
    "email", "full_name", "phone", "company", "country", "inquiry_type", "message", "source",
    "budget", "timeline", "org_type",
)  # fmt: skip
METADATA_COLUMNS = ("budget", "timeline", "org_type")
MAX_LENGTH = {
    "full_name": 200,
    "company": 200,
    "message": 5000,
    "source": 50,
    "timeline": 100,
    "org_type": 100,
    "email": 254,
    "phone": 32,
}
_email_validator = EmailValidator()


class ImportFileError(ApplicationError):
    """The file as a whole is unusable (encoding, header): nothing is imported."""

    default_code = "invalid_file"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail, code=code, attr="file")


class ImportTooLarge(PayloadTooLarge):
    def __init__(self, detail: str, *, code: str = "file_too_large"):
        super().__init__(detail, code=code, attr="file")


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class CsvFile:
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)


def _header_name(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def csv_parse(*, content: bytes) -> CsvFile:
    """Decode, read the header and every record; file-level problems raise ImportFileError."""
    if len(content) > settings.LEADS_IMPORT_MAX_BYTES:
        raise ImportTooLarge(
            f"The file is {len(content)} bytes; the limit is {settings.LEADS_IMPORT_MAX_BYTES} bytes."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {exc.start}). Save it as 'CSV UTF-8'.", code="invalid_encoding"
        ) from exc
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file.", code="invalid_encoding")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFileError(
                f"The file is empty or its first line is blank: it must start with a header row "
                f"naming the columns ({', '.join(COLUMNS)}).",
                code="missing_header",
            )
        columns = [_header_name(cell) for cell in header]
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise ImportFileError(
                f"Unknown column(s) in the header: {', '.join(repr(c) for c in unknown)}. "
                f"Columns: {', '.join(COLUMNS)}.",
                code="invalid_header",
            )
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise ImportFileError(
                f"Column(s) named twice in the header: {', '.join(duplicated)}.", code="invalid_header"
            )
        if "email" not in columns:
            raise ImportFileError("The header has no 'email' column (required).", code="invalid_header")
        rows = []
        max_rows = settings.LEADS_IMPORT_MAX_ROWS
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise ImportTooLarge(
                    f"The file has more than {max_rows} rows; split it into smaller files.",
                    code="too_many_rows",
                )
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {reader.line_num}: the CSV is malformed ({exc}).", code="malformed_csv"
        ) from exc
    return CsvFile(columns=columns, rows=rows)


# --- Validating ---------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    email: str
    values: dict = field(default_factory=dict)  # contact fields with a non-empty cell
    metadata: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # [{"field", "detail"}]


def row_validate(*, line: int, columns: list[str], cells: list[str]) -> Row:
    row = Row(line=line, email="")
    if len(cells) > len(columns):
        row.errors.append(
            {
                "field": None,
                "detail": f"The row has {len(cells)} cells; the header has {len(columns)} columns.",
            }
        )
        return row
    raw = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(columns)}

    def bad(column, detail):
        row.errors.append({"field": column, "detail": detail})

    for column, value in raw.items():
        if value and len(value) > MAX_LENGTH.get(column, 10_000):
            bad(column, f"At most {MAX_LENGTH[column]} characters.")
            raw[column] = ""
    email = normalize_email(email=raw["email"])
    row.email = email
    if not email:
        bad("email", "Required.")
    else:
        try:
            _email_validator(email)
        except ValidationError:
            bad("email", f"{raw['email']!r} is not a valid email address.")
    for column in ("full_name", "company", "message", "source"):
        if raw.get(column):
            row.values[column] = raw[column]
    if raw.get("phone"):
        try:
            phone_validator(raw["phone"])
            row.values["phone"] = raw["phone"]
        except ValidationError:
            bad("phone", f"{raw['phone']!r} is not a phone number (digits, spaces, ( ) . / -, optional +).")
    if raw.get("country"):
        country = normalize_country(raw["country"])
        if country in COUNTRIES:
            row.values["country"] = country
        else:
            bad("country", f"{raw['country']!r} is not an ISO 3166-1 alpha-2 country code (e.g. NG, US).")
    if raw.get("inquiry_type"):
        kind = raw["inquiry_type"].lower()
        if kind in Inquiry.Type.values:
            row.values["inquiry_type"] = kind
        else:
            bad("inquiry_type", f"{raw['inquiry_type']!r} is not one of {', '.join(Inquiry.Type.values)}.")
    if raw.get("budget"):
        number = to_number(raw["budget"])
        if number is None or number < 0:
            bad("budget", f"{raw['budget']!r} is not a number.")
        else:
            row.metadata["budget"] = int(number) if number == number.to_integral_value() else float(number)
    for column in ("timeline", "org_type"):
        if raw.get(column):
            row.metadata[column] = raw[column]
    return row
