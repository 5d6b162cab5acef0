"""schemathesis hooks for ``make fuzz`` (loaded by ``schemathesis.toml``).

1. Date-times whose UTC offset is beyond ±14:00 are left out of generated requests. RFC 3339
   allows offsets up to ±23:59, so schemathesis counts them as valid; the API refuses them
   with a 400 (issue 16: PostgreSQL cannot take them, and no place on Earth uses them), which
   ``tests/core/test_bad_input_matrix.py`` proves on every write endpoint and date-time filter,
   on SQLite and PostgreSQL. Generated here, they would only be reported as "valid data
   rejected".
2. Python 3.11 before 3.11.8 can raise ``SystemError: AST constructor recursion depth
   mismatch`` when two threads build ASTs at once (CPython gh-106905; hypothesis describes
   strategies through ``ast``): the workers take turns at ``ast.parse``.
"""

from __future__ import annotations

import ast
import re
import threading

import schemathesis

_ast_lock = threading.Lock()
_ast_parse = ast.parse


def _serialised_parse(*args, **kwargs):
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serialised_parse

# An offset at the end of a date-time: +HH:MM or -HH:MM (or without the colon).
_OFFSET = re.compile(r"\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?([+-])(\d\d):?(\d\d)\Z")


def _wide_offset(value) -> bool:
    if isinstance(value, str):
        match = _OFFSET.search(value)
        return bool(match) and int(match[2]) * 60 + int(match[3]) > 14 * 60
    if isinstance(value, dict):
        return any(_wide_offset(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_wide_offset(item) for item in value)
    return False


@schemathesis.hook
def filter_query(context, query) -> bool:
    return not _wide_offset(query or {})


@schemathesis.hook
def filter_body(context, body) -> bool:
    return not _wide_offset(body)
