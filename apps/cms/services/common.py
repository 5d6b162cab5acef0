from __future__ import annotations

from collections.abc import Iterable


def normalize_tags(*, tags: Iterable[object] | None) -> list[str]:
    """Tags are stored normalised (trimmed, lower case, single spaces, no duplicates), so the
    tag filter can match them exactly."""
    out: list[str] = []
    for tag in tags or []:
        value = " ".join(str(tag).split()).lower()[:50]
        if value and value not in out:
            out.append(value)
    return out
