from __future__ import annotations

from django.utils.text import slugify


def unique_slug(model, base: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """``base`` slugified; on collision ``-2``, ``-3``... (one query for all candidates)."""
    root = (slugify(base) or "item")[: max_length - 8].strip("-") or "item"
    taken = set(
        model.objects.filter(slug__startswith=root).exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if root not in taken:
        return root
    n = 2
    while f"{root}-{n}" in taken:
        n += 1
    return f"{root}-{n}"


def normalize_tags(tags) -> list[str]:
    """Tags are stored normalised (trimmed, lower case, single spaces, no duplicates), so the
    tag filter can match them exactly."""
    out: list[str] = []
    for tag in tags or []:
        value = " ".join(str(tag).split()).lower()[:50]
        if value and value not in out:
            out.append(value)
    return out
