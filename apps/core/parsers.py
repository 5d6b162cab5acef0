"""The API's JSON: what a JSON body must be before any view, serializer or webhook reads it.

- at most ``API_JSON_MAX_DEPTH`` (64) levels of arrays and objects: deeper nesting is refused
  (Python's parser would recurse until a RecursionError, a 500);
- at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413; the request guard middleware refuses
  larger declared bodies before they are read);
- no NUL character (U+0000) and no lone surrogate (U+D800–U+DFFF) in any string, object key
  included: PostgreSQL cannot store the first in text or jsonb, and no database can encode the
  second. Refused with a 400 on the request field that holds the value (``attr``:
  ``metadata``, as a field's own validation would say) and the dotted path of the value in the
  message (``metadata.tags.0``), with the codes DRF's own CharField uses
  (``null_characters_not_allowed``, ``surrogate_characters_not_allowed``);
- strict JSON: ``NaN`` and ``Infinity`` are refused, as DRF does.

And a date-time from outside has a UTC offset of at most ±14:00 (the widest in use): Python
accepts up to ±23:59, PostgreSQL refuses past ±15:59 (``utc_datetime``).

``json_loads`` applies these rules anywhere a raw body is parsed (the carriers' webhooks);
``JSONParser`` is the default DRF parser built on it; what it returns is marked as JSON, for
the type checks of ``apps.core.json_types``. Errors are domain errors (``parse_error``)
and Django validation errors, which the exception handler maps to the envelope."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework import parsers
from rest_framework.utils.json import strict_constant

from .errors import ApplicationError, PayloadTooLarge
from .json_types import mark

NUL = "\x00"
MAX_UTC_OFFSET = timedelta(hours=14)  # Kiribati +14:00; Baker Island -12:00


def _string_problem(value: str) -> tuple[str, str] | None:
    """(message, code) if ``value`` cannot be stored."""
    if NUL in value:
        return "Null characters are not allowed", "null_characters_not_allowed"
    if not value.isascii():
        for char in value:
            if "\ud800" <= char <= "\udfff":
                message = f"Surrogate characters (U+{ord(char):X}) are not allowed"
                return message, "surrogate_characters_not_allowed"
    return None


def _refuse(problem: tuple[str, str], parts: tuple) -> ValidationError:
    """The error on the top-level field holding the value; the value's dotted path in the text."""
    message, code = problem
    if len(parts) > 1:
        message += f" (at {_path(parts)})"
    field = _path(parts[:1]) or "non_field_errors"
    return ValidationError({field: ValidationError(f"{message}.", code=code)})


def _shown_key(key: str) -> str:
    return key.replace(NUL, "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _path(parts: tuple) -> str:
    return ".".join(_shown_key(part) if isinstance(part, str) else str(part) for part in parts)


def _too_deep(max_depth: int) -> ApplicationError:
    return ApplicationError(
        f"JSON parse error - arrays and objects nested deeper than {max_depth} levels.", code="parse_error"
    )


def check_json_value(value: Any, *, max_depth: int | None = None) -> None:
    """Raise if ``value`` (parsed JSON) nests deeper than ``max_depth`` or holds a string (or
    key) with a NUL character or a lone surrogate. Iterative, so any depth is safe to check."""
    max_depth = settings.API_JSON_MAX_DEPTH if max_depth is None else max_depth
    stack: list[tuple[Any, tuple, int]] = [(value, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            problem = _string_problem(node)
            if problem is not None:
                raise _refuse(problem, path)
            continue
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        if depth > max_depth:
            raise _too_deep(max_depth)
        for key, item in items:
            if isinstance(key, str):
                problem = _string_problem(key)
                if problem is not None:
                    raise _refuse(problem, (*path, key))
            if isinstance(item, (str, dict, list)):
                stack.append((item, (*path, key), depth + 1))


def json_loads(text: str | bytes, *, max_depth: int | None = None) -> Any:
    """Parse a JSON document under the rules above (``ApplicationError`` ``parse_error`` for
    anything that is not strict JSON)."""
    max_depth = settings.API_JSON_MAX_DEPTH if max_depth is None else max_depth
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApplicationError(f"JSON parse error - the body is not UTF-8 ({exc.reason}).",
                                   code="parse_error") from exc  # fmt: skip
    try:
        value = json.loads(text, parse_constant=strict_constant)
    except RecursionError as exc:
        raise _too_deep(max_depth) from exc
    except ValueError as exc:
        raise ApplicationError(f"JSON parse error - {exc}", code="parse_error") from exc
    # Only text with an escape (\u0000, \ud800) can hold a NUL or a surrogate (strict JSON has
    # no raw control characters), and only that many brackets can nest that deep.
    if "\\u" in text or text.count("[") + text.count("{") > max_depth:
        check_json_value(value, max_depth=max_depth)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser under ``json_loads``'s rules: the project's default parser."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit else -1)
        if limit and len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise ApplicationError(f"JSON parse error - the body is not {encoding} ({exc.reason}).",
                                   code="parse_error") from exc  # fmt: skip
        return mark(json_loads(text))


def utc_datetime(value: datetime) -> datetime:
    """An aware ``value`` in UTC. ValueError (its message fit for the caller) if its offset is
    beyond ±14:00, or it has no UTC counterpart (``0001-01-01T00:00+01:00``)."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("Enter a UTC offset between -14:00 and +14:00.")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("Enter a date and time between 0001-01-01 and 9999-12-31 in UTC.") from exc
