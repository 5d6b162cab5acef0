"""Idempotency-Key support, reusable by any write endpoint (checkout, quotes, ...).

    class CheckoutView(APIView):
        @idempotent(required=True)
        def post(self, request): ...

- The same key with the same body replays the first response (status, body, Location) with
  ``Idempotent-Replayed: true`` and runs nothing.
- The same key with another body answers 422 ``idempotency_key_reused``.
- Two concurrent requests with one key: the key row is inserted in the same transaction as
  the view's work, so the second request waits on the unique index until the first commits,
  then replays its response. Only 2xx responses are kept: an error rolls the key back with
  everything else, so the client may retry with the same key.
- Keys are scoped by caller (user id, or an anonymous scope) and endpoint, and expire after
  IDEMPOTENCY_KEY_TTL_HOURS (purged by a beat job).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import ApplicationError, Conflict, IdempotencyKeyReused
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location",)


def request_fingerprint(request) -> str:
    body = request.data
    try:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:
        canonical = repr(body)
    raw = f"{request.method}\n{request.path.rstrip('/')}\n{canonical}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _scope(request, anonymous_scope) -> str:
    user = request.user
    if user and user.is_authenticated:
        return f"user:{user.pk}"
    if anonymous_scope is not None:
        return f"anon:{anonymous_scope(request) or ''}"
    return "anon"


def _endpoint(request) -> str:
    match = request.resolver_match
    route = match.route if match else request.path
    return f"{request.method} {route.rstrip('/')}"[:200]


# Printable ASCII, not blank (surrounding spaces are trimmed): what ``KEY_SCHEMA`` documents.
KEY_PATTERN = re.compile(r"[ -~]*[!-~][ -~]*")
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": f"^{KEY_PATTERN.pattern}$"}


def idempotent(*, required: bool = False, anonymous_scope=None):
    """Decorate a DRF handler method (``post``, ``create``, an ``@action``)."""

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            sent = request.headers.get(HEADER)
            key = (sent or "").strip()
            if sent is None or (not key and required):
                if required:
                    raise ApplicationError(
                        f"The {HEADER} header is required for this request: send a unique "
                        "value (a UUID) per intended operation.",
                        code="idempotency_key_required",
                    )
                return handler(view, request, *args, **kwargs)
            if len(sent) > 255 or not KEY_PATTERN.fullmatch(key):
                raise ApplicationError(
                    f"The {HEADER} header must be printable ASCII and at most 255 characters.",
                    code="invalid_idempotency_key",
                )
            return _run_once(handler, view, request, key, anonymous_scope, args, kwargs)

        wrapper.idempotent = True
        wrapper.idempotency_key_required = required  # for the schema (apps.core.openapi)
        return wrapper

    return decorator


# One statement claims a new key (a replay then costs one more): the insert waits on the
# unique index while another transaction holds the same key, then inserts nothing.
_CLAIM_SQL = (
    f"INSERT INTO {IdempotencyKey._meta.db_table} "  # noqa: S608 - the model's own table name
    "(key, scope, endpoint, fingerprint, response_body, response_headers, created_at) "
    "VALUES (%s, %s, %s, %s, '', %s, %s) "
    "ON CONFLICT (scope, endpoint, key) DO NOTHING RETURNING id"
)


def _claim(*, scope: str, endpoint: str, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """(record, created): the key's row, inserted now unless it exists (SQLite and PostgreSQL
    both support ON CONFLICT ... RETURNING)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [key, scope, endpoint, fingerprint, "{}", now])
        row = cursor.fetchone()
    if row is not None:
        record = IdempotencyKey(
            id=row[0], key=key, scope=scope, endpoint=endpoint, fingerprint=fingerprint, created_at=now
        )
        return record, True
    return IdempotencyKey.objects.get(scope=scope, endpoint=endpoint, key=key), False


def _run_once(handler, view, request, key, anonymous_scope, args, kwargs):
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        scope, endpoint = _scope(request, anonymous_scope), _endpoint(request)
        record, created = _claim(scope=scope, endpoint=endpoint, key=key, fingerprint=fingerprint)
        if not created:
            record = IdempotencyKey.objects.select_for_update().get(pk=record.pk)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.response_status is None:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed.",
                    code="idempotency_request_in_progress",
                )
            headers = dict(record.response_headers or {})
            headers[REPLAY_HEADER] = "true"
            # The body as first rendered, key order included (a JSON column may reorder keys).
            body = json.loads(record.response_body) if record.response_body else None
            return Response(body, status=record.response_status, headers=headers)

        response = handler(view, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            body = getattr(response, "data", None)
            record.response_status = response.status_code
            record.response_body = JSONRenderer().render(body).decode() if body is not None else ""
            record.response_headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
            record.completed_at = timezone.now()
            record.save(
                update_fields=["response_status", "response_body", "response_headers", "completed_at"]
            )
        else:
            # Errors are not remembered: undo the key (and anything else) so a retry runs again.
            transaction.set_rollback(True)
        return response


def purge_expired_keys(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
