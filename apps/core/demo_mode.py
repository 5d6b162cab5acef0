"""What the demo seeders share about where they run.

In development the demo data uses the documented values (``DEMO_PASSWORD``, the carriers'
demo webhook secrets), so the README's curl examples work. ``seed_demo --allow-production``
(DEBUG off) runs the seeders inside ``production_mode()``: every such secret is then random,
and only what the operator needs is printed, once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

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


def demo_fixture(name: str) -> dict:
    """The demo records of ``fixtures/<name>.json``."""
    return json.loads((settings.BASE_DIR / "fixtures" / f"{name}.json").read_text())


def demo_customer_address(email: str) -> dict:
    """The shipping address of a demo customer (``fixtures/demo_users.json``)."""
    customers = demo_fixture("demo_users")["customers"]
    return next(customer["address"] for customer in customers if customer["email"] == email)
