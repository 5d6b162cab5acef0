"""What the demo seeders share about where they run.

In development the demo data uses the documented values (``DEMO_PASSWORD``, the carriers'
demo webhook secrets), so the README's curl examples work. ``seed_demo --allow-production``
(DEBUG off) runs the seeders inside ``production_mode()``: every such secret is then random,
and only what the operator needs is printed, once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_production: ContextVar[bool] = ContextVar("demo_production", default=False)


@contextmanager
def production_mode() -> Iterator[None]:
    token = _production.set(True)
    try:
        yield
    finally:
        _production.reset(token)


def in_production() -> bool:
    return _production.get()


def demo_secret(development_value: str) -> str:
    """``development_value`` in development; a new random secret in a production deployment."""
    return secrets.token_urlsafe(24) if _production.get() else development_value
