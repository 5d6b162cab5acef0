"""The current request's details for code that must not take HTTP objects (services, the
activity log): the client's IP, its user agent and a request id.

``RequestContextMiddleware`` sets them for every request (API and admin alike) and resets
them when the response is returned or the view raises, so nothing leaks into the next
request the thread serves. Outside a request (Celery tasks, management commands, shells)
the context is empty: ``current()`` returns ``EMPTY``. The actor is not here: the API's
user is only known inside the view (JWT), so services take ``actor=`` explicitly.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


EMPTY = RequestContext()

_current: ContextVar[RequestContext] = ContextVar("foundry_request_context", default=EMPTY)

# A client-sent X-Request-ID is kept when it is short and plain (a proxy's or a client's
# correlation id); anything else is replaced by a new one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def client_ip(request) -> str | None:
    """The client's address: with ``REST_FRAMEWORK["NUM_PROXIES"]`` trusted proxies in front,
    the address the outermost of them saw in X-Forwarded-For; otherwise REMOTE_ADDR."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    if forwarded and num_proxies:
        addrs = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addrs:
            return addrs[-min(num_proxies, len(addrs))]
    return meta.get("REMOTE_ADDR") or None


def context_from_request(request) -> RequestContext:
    meta = getattr(request, "META", {}) or {}
    sent = meta.get("HTTP_X_REQUEST_ID", "")
    return RequestContext(
        ip=client_ip(request),
        user_agent=(meta.get("HTTP_USER_AGENT", "") or "")[:500],
        request_id=sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex,
    )


def current() -> RequestContext:
    """The details of the request being served (``EMPTY`` outside one)."""
    return _current.get()


@contextmanager
def request_context(context: RequestContext) -> Iterator[RequestContext]:
    """``context`` is the current one inside the block, and the previous one after it."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


class RequestContextMiddleware:
    """Sets the request context for the view, and clears it afterwards (even if the view raises)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(context_from_request(request)):
            return self.get_response(request)
