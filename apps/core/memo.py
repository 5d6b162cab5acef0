"""Small, rarely written reference data read on hot paths (the active scoring rules, who holds
a role), kept in each process and recomputed when it changes.

The shared cache (Redis in production) holds a *version token* per kind of data; each process
keeps the values it computed with the token it read before computing. Every write calls
``invalidate()``, which replaces the token now and again when the transaction commits, so
every process recomputes on its next read: a reader that computed from the old rows in
between is dropped by the second change, and a rollback costs one recomputation. Tokens are
random (not counters), so a cleared cache can never bring back a token a process already
holds values for.

A read costs one cache round trip instead of the database query and the work built on it,
and at most one per request (``request_scope``: the version read once per request).
Writes that bypass the ORM (``QuerySet.update``, raw SQL) must call ``invalidate()``
themselves."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

# --- One request, one read -------------------------------------------------------------------

_scope: ContextVar[dict | None] = ContextVar("foundry_request_scope", default=None)


@contextmanager
def request_scope():
    """Values read once per request (``scoped``): opened by ``RequestScopeMiddleware``."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def scoped(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per request (every call outside a request: tasks, shells)."""
    scope = _scope.get()
    if scope is None:
        return compute()
    if key not in scope:
        scope[key] = compute()
    return scope[key]


def forget_scoped(key: str) -> None:
    """The value changed during this request: read it again next time."""
    scope = _scope.get()
    if scope is not None:
        scope.pop(key, None)


class RequestScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)


class VersionedMemo(Generic[T]):
    def __init__(self, key: str, compute: Callable[..., T]):
        self.key = f"memo:{key}"
        self.compute = compute
        self._lock = threading.Lock()
        self._version: str | None = None
        self._values: dict[Hashable, T] = {}

    def _current_version(self) -> str:
        return scoped(self.key, self._read_version)  # one cache read per request at most

    def _read_version(self) -> str:
        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self.key)
        return version

    def get(self, *args: Hashable) -> T:
        """``compute(*args)``, from this process's memory while the version holds. Treat the
        value as read-only: it is shared by every later caller in the process."""
        version = self._current_version()
        with self._lock:
            if version == self._version and args in self._values:
                return self._values[args]
        value = self.compute(*args)
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            self._values[args] = value
        return value

    def _replace_version(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, timeout=None)
        forget_scoped(self.key)

    def invalidate(self) -> None:
        """The data changed: every process recomputes (now, and after the commit)."""
        self._replace_version()
        transaction.on_commit(self._replace_version)
