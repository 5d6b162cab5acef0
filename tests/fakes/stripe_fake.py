"""A local, stateful fake of the part of Stripe's v1 API the commerce code uses.

It speaks Stripe's wire protocol (form-encoded requests with ``a[b]`` / ``a[0]`` nesting, JSON
objects shaped like Stripe's, Stripe's error bodies and status codes), so the official
``stripe`` library (16.x) talks to it unchanged::

    fake = StripeFake().start()
    client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)
    # or, module-level: stripe.api_key = fake.api_key; stripe.api_base = fake.url

Routes: only those the code calls (``ROUTES``): create and list PaymentIntents, create a
Refund. Any other route is answered with Stripe's 404 and recorded in ``unserved`` (see
``_http.FakeServer``). The list is newest first and pages with ``limit`` (1..100),
``starting_after`` / ``ending_before`` and ``created`` (exact, gt, gte, lt, lte), in
O(log n + limit) per page, so 50,000 intents page quickly. ``Idempotency-Key`` is honoured
like Stripe does: same key and same parameters replay the first response
(``Idempotent-Replayed: true``); same key with other parameters or another endpoint is a 400
``idempotency_error``. Only the configured secret key is accepted.

Test card payment methods (for ``payment_method=`` on create with ``confirm=true``):
``pm_card_visa`` and any other ``pm_...`` succeed; ``pm_card_chargeDeclined`` /
``pm_card_visa_chargeDeclined`` (generic decline), ``pm_card_chargeDeclinedInsufficientFunds``,
``pm_card_chargeDeclinedExpiredCard`` fail with a 402 ``card_error``;
``pm_card_authenticationRequired`` / ``pm_card_threeDSecure2Required`` leave the
PaymentIntent in ``requires_action`` (finish it with ``authenticate_payment_intent``).

Test helpers change state without HTTP: ``add_payment_intent``, ``succeed_payment_intent`` (what
the customer's browser does with Stripe.js), ``fail_payment_intent``, ``update_payment_intent``,
``set_refund_status``, ``make_event`` / ``event_payload``; every API-driven change also appends a
Stripe ``Event`` to ``fake.events``. ``fail_next(...)`` (see ``_http.FakeServer``) simulates
outages.
"""

from __future__ import annotations

import base64
import json
import math
import pickle
import random
import re
import secrets
import string
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from ._http import FakeServer, Request, Response
from .signing import stripe_signature_header

API_VERSION = "2026-10-28.endive"  # what stripe==16.1.0 sends; echoed back, not enforced
_ALNUM = string.ascii_letters + string.digits

ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof",
    "xpf",
}  # fmt: skip
# Stripe's minimum charge amounts (minor units) for the common settlement currencies.
MINIMUM_AMOUNTS = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50, "nzd": 50, "sgd": 50, "jpy": 50,
}  # fmt: skip
MAXIMUM_AMOUNT = 99_999_999
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "$", "aud": "$", "nzd": "$", "sgd": "$", "jpy": "¥"}

PI_CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
PI_CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
PI_STATUSES = PI_CANCELABLE + ("succeeded", "canceled")
REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")

_DECLINES = {
    "pm_card_chargedeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_visa_chargedeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargedeclinedinsufficientfunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargedeclinedexpiredcard": ("expired_card", "expired_card", "Your card has expired."),
}
_NEEDS_AUTH = {
    "pm_card_authenticationrequired",
    "pm_card_threedsecure2required",
    "pm_card_threedsecurerequired",
}


_rng = random.Random(secrets.randbits(64))  # ids need to be unique, not unguessable: fast beats secure here
_ID_TABLE = bytes(ord(_ALNUM[i % len(_ALNUM)]) for i in range(256))


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + _rng.randbytes(length).translate(_ID_TABLE).decode()


def clone(obj):
    """A deep copy of JSON-like data, several times faster than ``copy.deepcopy``."""
    return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


def format_amount(amount: int, currency: str) -> str:
    """Stripe's way of writing an amount in messages: "$10.00", "€7.00", "¥500", "10.00 NGN"."""
    currency = currency.lower()
    value = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


class StripeError(Exception):
    """An error answered the way Stripe does: ``{"error": {...}}`` with an HTTP status.

    ``saved``: whether an idempotent retry replays it (Stripe saves a result once the endpoint
    started executing; parameter validation failures are not saved).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = True,
        **extra,
    ):
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.error = {"message": message, "type": type}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            self.error["param"] = param
        self.error.update(extra)


def _param_error(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code, saved=False)


def _missing(kind: str, object_id: str, param: str, status: int = 404) -> StripeError:
    return StripeError(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


# --- form decoding -------------------------------------------------------------------------------
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_form(text: str) -> dict:
    """``a[b]=1&c[0]=x&c[1]=y&d[]=z`` → {"a": {"b": "1"}, "c": ["x", "y"], "d": ["z"]}."""
    root: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise _param_error(f"Invalid parameter name: {key}", key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for i, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if i == len(parts) - 1:
                if isinstance(node.get(part), dict):
                    raise _param_error(f"Invalid hash: {key}", parts[0])
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise _param_error(f"Invalid hash: {key}", parts[0])
                node = child
    return _listify(root)


def _listify(value):
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value


def _int(params: dict, name: str, *, minimum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, (dict, list)) or not re.fullmatch(r"-?\d+", str(raw)):
        raise _param_error(f"Invalid integer: {raw}", name, "parameter_invalid_integer")
    value = int(raw)
    if minimum is not None and value < minimum:
        word = "positive integer" if minimum == 1 else f"integer (must be at least {minimum})"
        raise _param_error(f"Invalid {word}", name, "parameter_invalid_integer")
    return value


def _bool(params: dict, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise _param_error(f"Invalid boolean: {raw}", name)


def _str(params: dict, name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _param_error(f"Invalid string: {raw!r}", name)
    return raw or None


def _enum(params: dict, name: str, allowed: Iterable[str]) -> str | None:
    value = _str(params, name)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise _param_error(
            f"Invalid {name}: must be one of {', '.join(allowed)}", name, "parameter_invalid_string_value"
        )
    return value


def _check_known(params: dict, known: Iterable[str]):
    known = set(known)
    for name in params:
        if name not in known:
            raise _param_error(f"Received unknown parameter: {name}", name, "parameter_unknown")


def _metadata(params: dict, current: dict | None = None) -> dict:
    """Stripe's metadata rules: merge on update; "" unsets a key; ``metadata=""`` clears all."""
    raw = params.get("metadata")
    result = dict(current or {})
    if raw is None:
        return result
    if raw == "":
        return {}
    if not isinstance(raw, dict):
        raise _param_error("Invalid hash", "metadata")
    for key, value in raw.items():
        if not isinstance(value, str):
            raise _param_error(f"Invalid metadata value for {key}: must be a string", f"metadata[{key}]")
        if len(key) > 40:
            raise _param_error("Metadata keys can have up to 40 characters.", f"metadata[{key}]")
        if len(value) > 500:
            raise _param_error("Metadata values can have up to 500 characters.", f"metadata[{key}]")
        if value == "":
            result.pop(key, None)
        else:
            result[key] = value
    if len(result) > 50:
        raise _param_error("Metadata can have up to 50 keys.", "metadata")
    return result


def _expand_paths(params: dict) -> list[str]:
    raw = params.get("expand")
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise _param_error("Invalid array", "expand")
    return raw


# --- a created-ordered index (newest first), O(log n) per page ------------------------------------
class _Index:
    def __init__(self):
        self._keys: list[tuple[int, int, str]] = []  # (created, seq, id), ascending once sorted
        self._key_of: dict[str, tuple[int, int, str]] = {}
        self._seq = 0
        self._dirty = False
        # Work counters (tests assert paging is linear by counting, not by timing).
        self.sorts = 0
        self.examined = 0

    def __len__(self):
        return len(self._keys)

    def add(self, object_id: str, created: int):
        self._seq += 1
        key = (created, self._seq, object_id)
        if self._keys and key < self._keys[-1]:
            self._dirty = True
        self._keys.append(key)
        self._key_of[object_id] = key

    def move(self, object_id: str, created: int):
        old = self._key_of[object_id]
        self._keys.remove(old)
        key = (created, old[1], object_id)
        self._keys.append(key)
        self._key_of[object_id] = key
        self._dirty = True

    def key_of(self, object_id: str):
        return self._key_of.get(object_id)

    def select(
        self,
        *,
        limit: int,
        created_min: int | None = None,
        created_max: int | None = None,
        starting_after: str | None = None,
        ending_before: str | None = None,
        predicate: Callable[[str], bool] | None = None,
    ) -> tuple[list[str], bool]:
        """Ids newest first, and whether more exist past the page (in the paging direction)."""
        if self._dirty:
            self._keys.sort()
            self._dirty = False
            self.sorts += 1
        keys = self._keys
        lo = 0 if created_min is None else bisect_left(keys, (created_min, -1, ""))
        hi = len(keys) if created_max is None else bisect_right(keys, (created_max, math.inf, ""))
        if starting_after is not None:
            hi = min(hi, bisect_left(keys, self._key_of[starting_after]))
        if ending_before is not None:
            lo = max(lo, bisect_left(keys, self._key_of[ending_before]) + 1)
            positions = range(lo, hi)  # oldest first, from just after the cursor
        else:
            positions = range(hi - 1, lo - 1, -1)  # newest first
        found: list[str] = []
        for pos in positions:
            self.examined += 1
            object_id = keys[pos][2]
            if predicate is None or predicate(object_id):
                found.append(object_id)
                if len(found) > limit:
                    break
        has_more = len(found) > limit
        found = found[:limit]
        if ending_before is not None:
            found.reverse()
        return found, has_more


class StripeFake(FakeServer):
    name = "stripe-fake"

    def __init__(
        self,
        api_key: str = "sk_test_foundry_fake",
        *,
        webhook_secret: str = "whsec_foundry_fake",
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        super().__init__(host=host, port=port)

    def _reset_state(self):
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: list[dict] = []
        self._indexes = {"payment_intent": _Index()}
        self._idempotency: dict[str, dict] = {}
        self._charge_of_pi: dict[str, list[str]] = {}
        self._refunds_of_charge: dict[str, list[str]] = {}
        self._pm_tokens: dict[str, str] = {}  # pm_... minted for a test token → the token

    def _payment_method_id(self, given: str) -> str:
        """Stripe turns a test token (``pm_card_visa``) into a new ``pm_...``; keep its behaviour."""
        if given.lower().startswith("pm_card_"):
            pm_id = random_id("pm_")
            self._pm_tokens[pm_id] = given.lower()
            return pm_id
        return given

    # ==============================================================================================
    # HTTP
    # ==============================================================================================
    def _failure_response(self, failure) -> Response:
        status = failure.status or 500
        if failure.body is not None:
            body = failure.body
        elif status == 429:
            body = {
                "error": {
                    "message": "Request rate limit exceeded. Learn more about rate limits here "
                    "https://stripe.com/docs/rate-limits.",
                    "type": "invalid_request_error",
                    "code": "rate_limit",
                }
            }
        else:
            body = {"error": {"message": "An unknown error occurred", "type": "api_error"}}
        return Response.json(status, body, {"Request-Id": random_id("req_", 14), **failure.headers})

    def _internal_error(self, exc: Exception) -> Response:
        return Response.json(
            500, {"error": {"message": f"Fake Stripe bug: {type(exc).__name__}: {exc}", "type": "api_error"}}
        )

    def handle(self, request: Request) -> Response:
        headers = {
            "Request-Id": random_id("req_", 14),
            "Stripe-Version": request.header("stripe-version", API_VERSION),
        }
        try:
            self._authenticate(request)
            if request.method == "POST":
                if "json" in request.header("content-type"):
                    raise _param_error(
                        "Invalid request: the body must be form-encoded (application/x-www-form-urlencoded)"
                    )
                params = decode_form(request.body.decode())
            else:
                params = decode_form(request.query)
            key = request.header("idempotency-key") if request.method == "POST" else ""
            with self.lock:
                if key:
                    replay = self._idempotent_replay(key, request, params)
                    if replay is not None:
                        return replay
                try:
                    status, payload = self._route(request.method, request.path, params)
                except StripeError as err:
                    response = Response.json(err.status, {"error": err.error}, headers)
                    if key and err.saved:
                        self._remember(key, request, params, response)
                    return response
                response = Response.json(status, payload, headers)
                if key:
                    self._remember(key, request, params, response)
                return response
        except StripeError as err:
            return Response.json(err.status, {"error": err.error}, headers)

    def _authenticate(self, request: Request):
        auth = request.header("authorization")
        key = ""
        if auth.startswith("Bearer "):
            key = auth[7:].strip()
        elif auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization "
                "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
                "https://stripe.com/docs/api#authentication for details, or we can help at "
                "https://support.stripe.com/.",
                saved=False,
            )
        if not secrets.compare_digest(key, self.api_key):
            raise StripeError(
                401, f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}"
            )

    def _idempotent_replay(self, key: str, request: Request, params: dict) -> Response | None:
        record = self._idempotency.get(key)
        if record is None:
            return None
        if record["path"] != request.path or record["method"] != request.method:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they were first used "
                f"for ('{request.method} {request.path}' vs '{record['method']} {record['path']}'). Try "
                f"using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
                saved=False,
            )
        if record["params"] != params:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they were first "
                f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
                saved=False,
            )
        original = record["response"]
        return Response(
            original.status,
            original.body,
            {
                **original.headers,
                "Request-Id": random_id("req_", 14),
                "Idempotent-Replayed": "true",
                "Original-Request": original.headers.get("Request-Id", ""),
            },
        )

    def _remember(self, key: str, request: Request, params: dict, response: Response):
        self._idempotency[key] = {
            "method": request.method,
            "path": request.path,
            "params": params,
            "response": response,
        }

    # The routes the code calls (apps/orders/payments/stripe_gateway.py), and no others:
    # tests/fakes/test_routes.py checks both ways.
    ROUTES = (
        ("POST", r"/v1/payment_intents", "_api_create_payment_intent"),
        ("GET", r"/v1/payment_intents", "_api_list_payment_intents"),
        ("POST", r"/v1/refunds", "_api_create_refund"),
    )

    def _route(self, method: str, path: str, params: dict):
        found = self.route(method, path)
        if found is not None:
            handler, path_params = found
            return handler(params, **path_params)
        raise StripeError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
            "help at https://support.stripe.com/.",
            saved=False,
        )

    # ==============================================================================================
    # Object construction
    # ==============================================================================================
    def _now(self) -> int:
        return int(time.time())

    def _emit(self, event_type: str, obj: dict, previous_attributes: dict | None = None) -> dict:
        event = self.make_event(event_type, obj, previous_attributes=previous_attributes)
        self.events.append(event)
        return event

    def _new_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        created: int | None = None,
        object_id: str | None = None,
        **fields,
    ) -> dict:
        object_id = object_id or random_id("pi_")
        if object_id in self.payment_intents:
            raise ValueError(f"payment intent {object_id} already exists")
        created = self._now() if created is None else int(created)
        pi = {
            "id": object_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": {"allow_redirects": "always", "enabled": True},
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic_async",
            "client_secret": f"{object_id}_secret_{random_id('', 25)}",
            "confirmation_method": "automatic",
            "created": created,
            "currency": currency,
            "customer": None,
            "description": None,
            "excluded_payment_method_types": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": {},
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        pi.update(fields)
        self.payment_intents[object_id] = pi
        self._indexes["payment_intent"].add(object_id, created)
        return pi

    def _new_charge(
        self, pi: dict, payment_method: str, *, status: str, created: int | None = None, **fields
    ) -> dict:
        object_id = random_id("ch_")
        created = self._now() if created is None else created
        brand = "visa"
        for candidate in ("mastercard", "amex", "discover", "diners", "jcb", "unionpay"):
            if candidate in payment_method.lower():
                brand = candidate
        captured = status == "succeeded" and pi["capture_method"] != "manual"
        charge = {
            "id": object_id,
            "object": "charge",
            "amount": pi["amount"],
            "amount_captured": pi["amount"] if captured else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": random_id("txn_") if captured else None,
            "billing_details": {
                "address": {
                    "city": None,
                    "country": None,
                    "line1": None,
                    "line2": None,
                    "postal_code": None,
                    "state": None,
                },
                "email": None,
                "name": None,
                "phone": None,
            },
            "calculated_statement_descriptor": "FOUNDRY",
            "captured": captured,
            "created": created,
            "currency": pi["currency"],
            "customer": pi["customer"],
            "description": pi["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None,
            "failure_message": None,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(pi["metadata"]),
            "on_behalf_of": None,
            "outcome": {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": status == "succeeded",
            "payment_intent": pi["id"],
            "payment_method": payment_method,
            "payment_method_details": {
                "card": {
                    "brand": brand,
                    "country": "US",
                    "exp_month": 12,
                    "exp_year": 2034,
                    "funding": "credit",
                    "last4": "4242",
                    "network": brand,
                },
                "type": "card",
            },
            "receipt_email": pi["receipt_email"],
            "receipt_number": None,
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{random_id('', 40)}",
            "refunded": False,
            "review": None,
            "shipping": pi["shipping"],
            "source_transfer": None,
            "statement_descriptor": pi["statement_descriptor"],
            "statement_descriptor_suffix": pi["statement_descriptor_suffix"],
            "status": status,
            "transfer_data": None,
            "transfer_group": pi["transfer_group"],
        }
        charge.update(fields)
        self.charges[object_id] = charge
        self._charge_of_pi.setdefault(pi["id"], []).append(object_id)
        return charge

    def _new_refund(
        self, charge: dict, amount: int, *, reason=None, metadata=None, status="succeeded", created=None
    ):
        object_id = random_id("re_")
        created = self._now() if created is None else created
        refund = {
            "id": object_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": random_id("txn_") if status == "succeeded" else None,
            "charge": charge["id"],
            "created": created,
            "currency": charge["currency"],
            "destination_details": {
                "card": {"reference_status": "pending", "type": "refund"},
                "type": "card",
            },
            "metadata": metadata or {},
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": status,
            "transfer_reversal": None,
        }
        self.refunds[object_id] = refund
        self._refunds_of_charge.setdefault(charge["id"], []).append(object_id)
        self._recount_refunds(charge)
        return refund

    def _recount_refunds(self, charge: dict):
        refunded = sum(
            self.refunds[r]["amount"]
            for r in self._refunds_of_charge.get(charge["id"], [])
            if self.refunds[r]["status"] not in ("failed", "canceled")
        )
        charge["amount_refunded"] = refunded
        charge["refunded"] = refunded >= charge["amount_captured"] > 0

    # ==============================================================================================
    # Payment flow (shared by the API and the helpers)
    # ==============================================================================================
    def _attempt_payment(self, pi: dict, payment_method: str) -> StripeError | None:
        """Confirm ``pi`` with ``payment_method``; returns the card error to answer, if declined."""
        pm_id = self._payment_method_id(payment_method)
        token = self._pm_tokens.get(pm_id, pm_id.lower())
        previous = {"status": pi["status"]}
        if token in _NEEDS_AUTH:
            pi.update(
                status="requires_action",
                payment_method=pm_id,
                last_payment_error=None,
                next_action={
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {
                        "type": "three_d_secure_redirect",
                        "stripe_js": "https://hooks.stripe.com/",
                    },
                },
            )
            self._emit("payment_intent.requires_action", pi, previous)
            return None
        if token in _DECLINES:
            code, decline_code, message = _DECLINES[token]
            charge = self._new_charge(
                pi,
                pm_id,
                status="failed",
                failure_code=code,
                failure_message=message,
                outcome={
                    "network_status": "declined_by_network",
                    "reason": decline_code,
                    "risk_level": "normal",
                    "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                },
            )
            error = {
                "charge": charge["id"],
                "code": code,
                "decline_code": decline_code,
                "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
                "message": message,
                "payment_method": {"id": pm_id, "object": "payment_method", "type": "card"},
                "type": "card_error",
            }
            pi.update(
                status="requires_payment_method",
                payment_method=None,
                latest_charge=charge["id"],
                last_payment_error=error,
                next_action=None,
            )
            self._emit("charge.failed", charge)
            self._emit("payment_intent.payment_failed", pi, previous)
            return StripeError(
                402,
                message,
                type="card_error",
                code=code,
                decline_code=decline_code,
                charge=charge["id"],
                payment_intent=clone(pi),
                payment_method=error["payment_method"],
            )
        self._succeed(pi, pm_id, previous)
        return None

    def _succeed(self, pi: dict, pm_id: str, previous: dict):
        manual = pi["capture_method"] == "manual"
        charge = self._new_charge(pi, pm_id, status="succeeded")
        pi.update(
            status="requires_capture" if manual else "succeeded",
            payment_method=pm_id,
            latest_charge=charge["id"],
            last_payment_error=None,
            next_action=None,
            amount_capturable=pi["amount"] if manual else 0,
            amount_received=0 if manual else pi["amount"],
        )
        self._emit("charge.succeeded", charge)
        self._emit(
            "payment_intent.amount_capturable_updated" if manual else "payment_intent.succeeded", pi, previous
        )

    # ==============================================================================================
    # PaymentIntents API
    # ==============================================================================================
    _PI_CREATE_PARAMS = (
        "amount", "currency", "metadata", "description", "receipt_email", "customer", "payment_method",
        "payment_method_types", "automatic_payment_methods", "confirm", "capture_method",
        "confirmation_method",
        "statement_descriptor", "statement_descriptor_suffix", "setup_future_usage", "shipping", "return_url",
        "off_session", "transfer_group", "expand", "payment_method_options", "use_stripe_sdk",
        "error_on_requires_action", "mandate_data", "on_behalf_of", "application_fee_amount", "transfer_data",
        "excluded_payment_method_types", "payment_method_configuration", "radar_options",
    )  # fmt: skip

    def _amount_and_currency(self, params: dict, *, required: bool) -> tuple[int | None, str | None]:
        if required:
            for name in ("amount", "currency"):
                if params.get(name) in (None, ""):
                    raise _param_error(f"Missing required param: {name}.", name, "parameter_missing")
        amount = _int(params, "amount", minimum=1)
        currency = _str(params, "currency")
        if currency is not None:
            if not re.fullmatch(r"[A-Za-z]{3}", currency):
                raise _param_error(f"Invalid currency: {currency.lower()}.", "currency")
            currency = currency.lower()
        return amount, currency

    def _check_amount_limits(self, amount: int, currency: str):
        minimum = MINIMUM_AMOUNTS.get(currency, 1)
        if amount < minimum:
            raise StripeError(
                400,
                f"Amount must be at least {format_amount(minimum, currency)} {currency}",
                code="amount_too_small",
                param="amount",
                saved=False,
            )
        if amount > MAXIMUM_AMOUNT:
            raise StripeError(
                400,
                f"Amount must be no more than {format_amount(MAXIMUM_AMOUNT, currency)}",
                code="amount_too_large",
                param="amount",
                saved=False,
            )

    def _payment_method_fields(self, params: dict) -> dict:
        fields = {}
        apm = params.get("automatic_payment_methods")
        types = params.get("payment_method_types")
        if apm is not None and types is not None:
            raise _param_error(
                "You may only specify one of these parameters: automatic_payment_methods, "
                "payment_method_types.",
                "automatic_payment_methods",
            )
        if apm is not None:
            if not isinstance(apm, dict) or _bool(apm, "enabled") is None:
                raise _param_error(
                    "Missing required param: automatic_payment_methods[enabled].",
                    "automatic_payment_methods[enabled]",
                    "parameter_missing",
                )
            enabled = _bool(apm, "enabled")
            allow = _enum(apm, "allow_redirects", ("always", "never")) or "always"
            fields["automatic_payment_methods"] = (
                {"allow_redirects": allow, "enabled": True} if enabled else None
            )
        if types is not None:
            if isinstance(types, str):
                types = [types]
            if not isinstance(types, list) or not types:
                raise _param_error("Invalid array", "payment_method_types")
            fields["payment_method_types"] = types
            fields["automatic_payment_methods"] = None
        return fields

    def _api_create_payment_intent(self, params: dict):
        _check_known(params, self._PI_CREATE_PARAMS)
        amount, currency = self._amount_and_currency(params, required=True)
        self._check_amount_limits(amount, currency)
        capture_method = _enum(params, "capture_method", ("automatic", "automatic_async", "manual"))
        confirm = _bool(params, "confirm")
        payment_method = _str(params, "payment_method")
        if _bool(params, "off_session") is not None and not confirm:
            raise _param_error("You can only pass `off_session` when `confirm=true`.", "off_session")
        fields = {
            "metadata": _metadata(params),
            "description": _str(params, "description"),
            "receipt_email": _str(params, "receipt_email"),
            "customer": _str(params, "customer"),
            "statement_descriptor": _str(params, "statement_descriptor"),
            "statement_descriptor_suffix": _str(params, "statement_descriptor_suffix"),
            "transfer_group": _str(params, "transfer_group"),
            "setup_future_usage": _enum(params, "setup_future_usage", ("on_session", "off_session")),
            "shipping": params.get("shipping") or None,
            "payment_method_options": params.get("payment_method_options") or {},
            "capture_method": capture_method or "automatic_async",
            **self._payment_method_fields(params),
        }
        if payment_method:
            fields["payment_method"] = self._payment_method_id(payment_method)
            fields["status"] = "requires_confirmation"
        pi = self._new_payment_intent(amount=amount, currency=currency, **fields)
        self._emit("payment_intent.created", pi)
        if confirm:
            self._confirm(pi, payment_method, _str(params, "return_url"))
        return 200, self._render(pi, _expand_paths(params))

    def _confirm(self, pi: dict, payment_method: str | None, return_url: str | None):
        if pi["status"] not in PI_CONFIRMABLE:
            raise StripeError(
                400,
                f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}. Only a "
                "PaymentIntent with one of the following statuses may be confirmed: "
                "requires_payment_method, requires_confirmation, requires_action.",
                code="payment_intent_unexpected_state",
                payment_intent=clone(pi),
            )
        payment_method = payment_method or pi["payment_method"]
        if not payment_method:
            raise StripeError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. You can "
                "either update the PaymentIntent with a payment method and then confirm it again, or "
                "confirm it again directly with a payment method or ConfirmationToken.",
                code="payment_intent_unexpected_state",
                payment_intent=clone(pi),
            )
        apm = pi["automatic_payment_methods"]
        if apm and apm.get("allow_redirects") == "always" and not return_url:
            raise StripeError(
                400,
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. "
                "Because some of these payment methods might redirect your customer off of your page, you "
                "must provide a `return_url`. If you don't want to accept redirect-based payment methods, "
                "set `automatic_payment_methods[enabled]` to `true` and "
                "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
                "Payment Intents.",
                param="return_url",
            )
        error = self._attempt_payment(pi, payment_method)
        if error is not None:
            raise error

    def _pi(self, object_id: str, param: str = "intent", status: int = 404) -> dict:
        pi = self.payment_intents.get(object_id)
        if pi is None:
            raise _missing("payment_intent", object_id, param, status)
        return pi

    # ==============================================================================================
    # Lists
    # ==============================================================================================
    def _list(self, kind: str, url: str, params: dict, known: Iterable[str], predicate=None, render=None):
        _check_known(params, (*known, "limit", "starting_after", "ending_before", "created", "expand"))
        limit = _int(params, "limit")
        limit = 10 if limit is None else limit
        if not 1 <= limit <= 100:
            raise _param_error(
                "This value must be greater than or equal to 1 and less than or equal to 100." if limit > 100
                else "This value must be greater than or equal to 1.",
                "limit",
                "parameter_invalid_integer",
            )  # fmt: skip
        starting_after = _str(params, "starting_after")
        ending_before = _str(params, "ending_before")
        if starting_after and ending_before:
            raise _param_error(
                "You may only specify one of these parameters: ending_before, starting_after.",
                "ending_before",
            )
        index = self._indexes[kind]
        for name, cursor in (("starting_after", starting_after), ("ending_before", ending_before)):
            if cursor is not None and index.key_of(cursor) is None:
                raise _missing(kind, cursor, name, 400)
        created_min, created_max = self._created_range(params.get("created"))
        ids, has_more = index.select(
            limit=limit,
            created_min=created_min,
            created_max=created_max,
            starting_after=starting_after,
            ending_before=ending_before,
            predicate=predicate,
        )
        store = self._store(kind)
        data = [store[i] for i in ids]
        page = {"object": "list", "data": [o for o in data], "has_more": has_more, "url": url}
        expand = _expand_paths(params)
        for path in expand:
            if not path.startswith("data."):
                raise _param_error(f"This property cannot be expanded ({path}).", "expand")
        if expand:
            page = self._expand(page, expand)
        return 200, page

    @staticmethod
    def _created_range(created) -> tuple[int | None, int | None]:
        if created is None or created == "":
            return None, None
        if isinstance(created, str):
            value = _int({"created": created}, "created")
            return value, value
        if not isinstance(created, dict):
            raise _param_error("Invalid created: must be an integer or a hash", "created")
        unknown = set(created) - {"gt", "gte", "lt", "lte"}
        if unknown:
            raise _param_error(
                f"Received unknown parameter: created[{sorted(unknown)[0]}]", "created", "parameter_unknown"
            )
        bounds = {k: _int(created, k) for k in created}
        lows = [v + 1 if k == "gt" else v for k, v in bounds.items() if k in ("gt", "gte") and v is not None]
        highs = [v - 1 if k == "lt" else v for k, v in bounds.items() if k in ("lt", "lte") and v is not None]
        return (max(lows) if lows else None), (min(highs) if highs else None)

    def _store(self, kind: str) -> dict:
        return {"payment_intent": self.payment_intents}[kind]

    def _api_list_payment_intents(self, params: dict):
        customer = _str(params, "customer")
        predicate = None
        if customer:
            pis = self.payment_intents

            def predicate(i):
                return pis[i]["customer"] == customer

        return self._list("payment_intent", "/v1/payment_intents", params, ("customer",), predicate)

    # ==============================================================================================
    # Charges, refunds, events
    # ==============================================================================================
    _REFUND_PARAMS = (
        "amount", "charge", "payment_intent", "reason", "metadata", "expand", "refund_application_fee",
        "reverse_transfer", "instructions_email", "origin", "currency", "customer",
    )  # fmt: skip

    def _api_create_refund(self, params: dict):
        _check_known(params, self._REFUND_PARAMS)
        charge_id = _str(params, "charge")
        pi_id = _str(params, "payment_intent")
        amount = _int(params, "amount", minimum=1)
        reason = _enum(params, "reason", ("duplicate", "fraudulent", "requested_by_customer"))
        metadata = _metadata(params)
        if not charge_id and not pi_id:
            raise _param_error(
                "One of the following params should be provided for this request: charge or payment_intent.",
                "charge",
            )
        if pi_id:
            pi = self._pi(pi_id, param="payment_intent", status=400)
            charge = self._successful_charge(pi)
            if charge is None:
                raise StripeError(
                    400,
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            if charge_id and charge_id != charge["id"]:
                raise StripeError(
                    400,
                    f"The charge {charge_id} does not belong to the PaymentIntent {pi_id}.",
                    param="charge",
                )
        else:
            charge = self.charges.get(charge_id)
            if charge is None:
                raise _missing("charge", charge_id, "charge", 400)
            if charge["status"] != "succeeded":
                raise StripeError(
                    400, f"Charge {charge_id} has not been successfully captured.", param="charge"
                )
        if not charge["captured"]:
            raise StripeError(
                400,
                "You cannot refund an uncaptured charge. Cancel the PaymentIntent instead.",
                param="charge",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
                param="charge",
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise StripeError(
                400,
                f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({format_amount(remaining, charge['currency'])})",
                param="amount",
            )
        refund = self._new_refund(charge, amount, reason=reason, metadata=metadata)
        self._emit("refund.created", refund)
        self._emit("charge.refunded", charge)
        return 200, self._render(refund, _expand_paths(params))

    def _successful_charge(self, pi: dict) -> dict | None:
        for charge_id in reversed(self._charge_of_pi.get(pi["id"], [])):
            charge = self.charges[charge_id]
            if charge["status"] == "succeeded":
                return charge
        return None

    # ==============================================================================================
    # Rendering and expansion
    # ==============================================================================================
    def _render(self, obj: dict, expand: list[str]) -> dict:
        public = clone(obj)
        return self._expand(public, expand) if expand else public

    def _lookup(self, object_id: str) -> dict | None:
        for prefix, store in (("pi_", self.payment_intents), ("ch_", self.charges), ("re_", self.refunds)):
            if object_id.startswith(prefix):
                found = store.get(object_id)
                return None if found is None else clone(found)
        return None

    def _expand(self, obj: dict, paths: list[str]) -> dict:
        for path in paths:
            if len(path.split(".")) > 4:
                raise _param_error("You cannot expand more than 4 levels of a property.", "expand")
            self._expand_path(obj, path.split("."), path)
        return obj

    def _expand_path(self, obj, parts: list[str], path: str):
        if isinstance(obj, list):
            for item in obj:
                self._expand_path(item, parts, path)
            return
        if not isinstance(obj, dict):
            return
        head, rest = parts[0], parts[1:]
        if head == "refunds" and obj.get("object") == "charge":
            refunds = [clone(self.refunds[r]) for r in reversed(self._refunds_of_charge.get(obj["id"], []))]
            obj["refunds"] = {
                "object": "list",
                "data": refunds,
                "has_more": False,
                "url": f"/v1/charges/{obj['id']}/refunds",
            }
        elif head not in obj or head in ("metadata", "id", "object"):
            raise _param_error(f"This property cannot be expanded ({path}).", "expand")
        value = obj[head]
        if isinstance(value, str):
            expanded = self._lookup(value)
            if expanded is None:
                raise _param_error(f"This property cannot be expanded ({path}).", "expand")
            obj[head] = value = expanded
        if rest and value is not None:
            self._expand_path(value, rest, path)

    # ==============================================================================================
    # Test helpers (no HTTP)
    # ==============================================================================================
    def add_payment_intent(
        self,
        *,
        id: str | None = None,
        amount: int,
        currency: str = "usd",
        status: str = "requires_payment_method",
        metadata: dict | None = None,
        created: int | None = None,
        amount_refunded: int = 0,
        **fields,
    ) -> dict:
        """Put a PaymentIntent straight into the fake (e.g. 50,000 of them for reconciliation).

        ``succeeded`` / ``requires_capture`` intents get a succeeded charge (same ``created``);
        ``amount_refunded`` adds one succeeded refund of that amount to it. Other keyword arguments
        set PaymentIntent fields as-is (``description=``, ``customer=``, ``capture_method=``...).
        Emits no events. Returns a copy of the PaymentIntent.
        """
        if status not in PI_STATUSES:
            raise ValueError(f"unknown PaymentIntent status {status!r}")
        with self.lock:
            created = self._now() if created is None else int(created)
            if status == "requires_capture":
                fields.setdefault("capture_method", "manual")
            pi = self._new_payment_intent(
                object_id=id,
                amount=int(amount),
                currency=currency.lower(),
                created=created,
                metadata={str(k): str(v) for k, v in (metadata or {}).items()},
                **fields,
            )
            pi["status"] = status
            if status in ("succeeded", "requires_capture"):
                pm_id = random_id("pm_")
                charge = self._new_charge(pi, pm_id, status="succeeded", created=created)
                pi.update(
                    payment_method=pm_id,
                    latest_charge=charge["id"],
                    amount_received=pi["amount"] if status == "succeeded" else 0,
                    amount_capturable=pi["amount"] if status == "requires_capture" else 0,
                )
                if amount_refunded:
                    if status != "succeeded" or amount_refunded > pi["amount"]:
                        raise ValueError("amount_refunded needs a succeeded intent and at most its amount")
                    self._new_refund(charge, int(amount_refunded), created=created)
            elif amount_refunded:
                raise ValueError("amount_refunded needs a succeeded intent")
            if status == "canceled":
                pi.setdefault("canceled_at", created)
                pi["canceled_at"] = pi["canceled_at"] or created
            if status == "requires_action":
                pi["next_action"] = pi["next_action"] or {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
            return clone(pi)

    def get_payment_intent(self, payment_intent_id: str) -> dict:
        with self.lock:
            return clone(self._pi(payment_intent_id))

    def get_charge(self, charge_id: str) -> dict:
        with self.lock:
            return clone(self.charges[charge_id])

    def get_refund(self, refund_id: str) -> dict:
        with self.lock:
            return clone(self.refunds[refund_id])

    def refunds_for(self, payment_intent_id: str) -> list[dict]:
        """Refunds of a PaymentIntent, oldest first."""
        with self.lock:
            return [
                clone(self.refunds[r])
                for ch in self._charge_of_pi.get(payment_intent_id, [])
                for r in self._refunds_of_charge.get(ch, [])
            ]

    def update_payment_intent(self, payment_intent_id: str, **fields) -> dict:
        """Overwrite fields as-is (``status=``, ``metadata=``, ``created=``...). No events."""
        with self.lock:
            pi = self._pi(payment_intent_id)
            if "created" in fields and fields["created"] != pi["created"]:
                self._indexes["payment_intent"].move(payment_intent_id, int(fields["created"]))
            pi.update(fields)
            return clone(pi)

    def succeed_payment_intent(self, payment_intent_id: str, payment_method: str = "pm_card_visa") -> dict:
        """What the customer's browser does: confirm with a card that works (or ``payment_method``).
        Emits the events Stripe would (``charge.succeeded``, ``payment_intent.succeeded``)."""
        with self.lock:
            pi = self._pi(payment_intent_id)
            if pi["status"] == "requires_action":
                return self.authenticate_payment_intent(payment_intent_id)
            if pi["status"] not in PI_CONFIRMABLE:
                raise ValueError(f"{payment_intent_id} is {pi['status']}: it cannot be paid")
            error = self._attempt_payment(pi, payment_method)
            if error is not None:
                raise ValueError(f"{payment_method} declines: use fail_payment_intent()")
            return clone(pi)

    def fail_payment_intent(
        self, payment_intent_id: str, payment_method: str = "pm_card_chargeDeclined"
    ) -> dict:
        """A declined attempt: a failed charge, ``last_payment_error``, status back to
        ``requires_payment_method``, ``payment_intent.payment_failed`` emitted."""
        if payment_method.lower() not in _DECLINES:
            raise ValueError(f"{payment_method} is not a declining test card; one of {sorted(_DECLINES)}")
        with self.lock:
            pi = self._pi(payment_intent_id)
            if pi["status"] not in PI_CONFIRMABLE:
                raise ValueError(f"{payment_intent_id} is {pi['status']}: it cannot be attempted")
            self._attempt_payment(pi, payment_method)
            return clone(pi)

    def authenticate_payment_intent(self, payment_intent_id: str, *, success: bool = True) -> dict:
        """Finish (or fail) the 3-D Secure step of a ``requires_action`` intent."""
        with self.lock:
            pi = self._pi(payment_intent_id)
            if pi["status"] != "requires_action":
                raise ValueError(f"{payment_intent_id} is {pi['status']}, not requires_action")
            previous = {"status": pi["status"]}
            if success:
                self._succeed(pi, pi["payment_method"], previous)
            else:
                pi.update(
                    status="requires_payment_method",
                    payment_method=None,
                    next_action=None,
                    last_payment_error={
                        "code": "payment_intent_authentication_failure",
                        "message": "The provided PaymentMethod has failed authentication. You can provide "
                        "payment_method_data or a new PaymentMethod to attempt to fulfill this "
                        "PaymentIntent again.",
                        "type": "invalid_request_error",
                    },
                )
                self._emit("payment_intent.payment_failed", pi, previous)
            return clone(pi)

    def set_refund_status(self, refund_id: str, status: str, *, failure_reason: str | None = None) -> dict:
        """Move a refund along (``pending`` → ``succeeded`` / ``failed``...); emits ``refund.updated``
        (and ``refund.failed`` when it fails). A failed or canceled refund frees its amount again."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"unknown refund status {status!r}")
        with self.lock:
            refund = self.refunds[refund_id]
            previous = {"status": refund["status"]}
            refund["status"] = status
            if status == "failed":
                refund["failure_reason"] = failure_reason or "lost_or_stolen_card"
                refund["failure_balance_transaction"] = random_id("txn_")
            self._recount_refunds(self.charges[refund["charge"]])
            self._emit("refund.updated", refund, previous)
            if status == "failed":
                self._emit("refund.failed", refund, previous)
            return clone(refund)

    def make_event(
        self, event_type: str, obj: dict | str, *, previous_attributes: dict | None = None
    ) -> dict:
        """A Stripe ``Event`` (as webhooks deliver it) wrapping ``obj`` (an object or its id)."""
        if isinstance(obj, str):
            found = self._lookup(obj)
            if found is None:
                raise KeyError(obj)
            obj = found
        event = {
            "id": random_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self._now(),
            "data": {"object": clone(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if previous_attributes:
            event["data"]["previous_attributes"] = clone(previous_attributes)
        return event

    def event_payload(
        self,
        event_or_type: dict | str,
        obj: dict | str | None = None,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[bytes, str]:
        """``(body, Stripe-Signature header)`` for a webhook POST, signed with ``webhook_secret``.

        ``event_payload(fake.events[-1])`` or ``event_payload("payment_intent.succeeded", "pi_...")``.
        """
        event = event_or_type if isinstance(event_or_type, dict) else self.make_event(event_or_type, obj)
        body = json.dumps(event, indent=2).encode()
        return body, stripe_signature_header(body, secret or self.webhook_secret, timestamp)

    def events_of_type(self, event_type: str) -> list[dict]:
        with self.lock:
            return [e for e in self.events if e["type"] == event_type]
