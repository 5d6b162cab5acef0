"""NUL characters (U+0000): PostgreSQL cannot store them in text or jsonb columns (an error, a
500, at the INSERT). Input a person typed for this app (a broadcast) is refused with a 400 on
its field; text other apps hand over for their emails, notifications and messages (often
quoting what a customer typed elsewhere) has them removed, so a side effect never breaks the
business change that caused it."""

from __future__ import annotations

NUL = "\x00"
NUL_MESSAGE = "Null characters are not allowed."


def has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False


def without_nul(value):
    """``value`` (text, or JSON-like dicts and lists of it) with every NUL character removed."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(v) for v in value]
    return value
