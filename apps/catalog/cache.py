"""The catalog response cache: public (non-staff) product list/detail and the category tree,
rendered JSON keyed by a catalog *version*. Any catalog write bumps the version (services
after commit; signals for anything else, e.g. admin inlines), so a change is visible at once
and stale entries simply expire."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet
        cache.add(VERSION_KEY, 2, timeout=None)


def catalog_changed() -> None:
    """Invalidate every cached catalog response: now, and again once the transaction commits
    (a reader that cached the old rows in between is dropped too; a rollback costs one miss)."""
    _bump()
    transaction.on_commit(_bump)


def response_key(kind: str, *parts: str, version: int | None = None) -> str:
    raw = "|".join(parts)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"catalog:resp:{version or catalog_version()}:{kind}:{digest}"


def anonymous_lookup(kind: str, path: str, params) -> tuple[str, int, bytes | None]:
    """The anonymous fast path, in one cache round trip: the entry stores the catalog version
    it was built at and counts only while that is still the current version. The key holds
    the ``currency`` parameter as given; when it is absent the site's default currency applies,
    and changing that bumps the catalog version too."""
    query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "currency")
    currency = (params.get("currency") or "").upper()
    digest = hashlib.sha256("|".join((path.rstrip("/"), query, currency)).encode()).hexdigest()[:32]
    key = f"catalog:anon:{kind}:{digest}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or catalog_version()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return key, version, entry[1]
    return key, version, None


def anonymous_store(key: str, version: int, content: bytes) -> None:
    """Store under the version read *before* the response was built: a write in between makes
    the entry stale at once."""
    cache.set(key, (version, content), timeout=settings.CATALOG_CACHE_SECONDS)


def get(key: str) -> bytes | None:
    if not settings.CATALOG_CACHE_SECONDS:  # caching switched off
        return None
    return cache.get(key)


def put(key: str, content: bytes) -> None:
    if settings.CATALOG_CACHE_SECONDS:
        cache.set(key, content, timeout=settings.CATALOG_CACHE_SECONDS)
