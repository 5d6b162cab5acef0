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


def version_and_default_currency() -> tuple[int, str]:
    """Both in one cache round trip (the anonymous fast path)."""
    from apps.core.selectors import SITE_SETTINGS_CACHE_KEY, site_settings_get

    found = cache.get_many([VERSION_KEY, SITE_SETTINGS_CACHE_KEY])
    version = found.get(VERSION_KEY) or catalog_version()
    site = found.get(SITE_SETTINGS_CACHE_KEY) or site_settings_get()
    return version, site.default_currency


def get(key: str) -> bytes | None:
    if not settings.CATALOG_CACHE_SECONDS:  # caching switched off
        return None
    return cache.get(key)


def put(key: str, content: bytes) -> None:
    if settings.CATALOG_CACHE_SECONDS:
        cache.set(key, content, timeout=settings.CATALOG_CACHE_SECONDS)
