"""A local, stateful fake of the Paystack endpoints the commerce code calls.

Paystack's wire format: JSON bodies, ``Authorization: Bearer <secret key>``, every answer
``{"status": true|false, "message": ..., "data": ...}``, amounts in the subunit (kobo)::

    fake = PaystackFake().start()
    requests.post(f"{fake.url}/transaction/initialize", json={...},
                  headers={"Authorization": f"Bearer {fake.secret_key}"})

Routes: only those the code calls (``ROUTES``): ``POST /transaction/initialize``,
``GET /transaction`` (``perPage``, ``page``, ``from``, ``to``, ``status``, ``customer``; newest first;
``meta`` with total / skipped / perPage / page / pageCount) and ``POST /refund`` (``transaction`` =
id or reference, optional partial ``amount``). Any other route is answered with a 404 and recorded
in ``unserved`` (see ``_http.FakeServer``). A wrong or missing key → 401
``{"status": false, "message": "Invalid key"}``.

Test helpers: ``add_transaction``, ``mark_success`` / ``mark_failed`` / ``mark_abandoned`` (what the
customer does on the checkout page), ``set_refund_status``, ``webhook_event`` /
``webhook_body`` / ``signed_webhook`` (``charge.success`` and ``refund.*`` bodies as Paystack sends
them, plus the ``x-paystack-signature`` header), ``fail_next(...)`` (see ``_http.FakeServer``).
"""

from __future__ import annotations

import json
import math
import pickle
import random
import re
import secrets
import string
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl

from ._http import FakeServer, Request, Response
from .signing import paystack_signature

CURRENCIES = ("NGN", "GHS", "ZAR", "KES", "USD", "XOF", "EGP", "RWF")
TRANSACTION_STATUSES = (
    "abandoned",
    "failed",
    "ongoing",
    "pending",
    "processing",
    "queued",
    "reversed",
    "success",
)
REFUND_STATUSES = ("pending", "processing", "needs-attention", "failed", "processed")
_REFERENCE = re.compile(r"^[A-Za-z0-9._=\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOWER = string.ascii_lowercase + string.digits
_rng = random.Random(secrets.randbits(64))
_TABLE = bytes(ord(_LOWER[i % len(_LOWER)]) for i in range(256))


def _token(length: int) -> str:
    return _rng.randbytes(length).translate(_TABLE).decode()


def _clone(obj):
    return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


def iso(moment: datetime | None) -> str | None:
    """Paystack's timestamps: ``2024-08-22T09:15:02.000Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_when(raw: str, *, end_of_day: bool) -> datetime:
    """``from`` / ``to``: a date (``2024-01-31``) or an ISO datetime. A bare ``to`` date covers that day."""
    raw = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
        return day + timedelta(days=1, microseconds=-1) if end_of_day else day
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_card_fee(amount: int) -> int:
    """Paystack's local fee in kobo: 1.5%, plus ₦100 from ₦2,500, capped at ₦2,000."""
    return min(amount * 15 // 1000 + (10_000 if amount >= 250_000 else 0), 200_000)


class PaystackError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class PaystackFake(FakeServer):
    name = "paystack-fake"

    def __init__(
        self,
        secret_key: str = "sk_test_foundry_paystack_fake",
        *,
        domain: str = "test",
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.secret_key = secret_key
        self.domain = domain
        super().__init__(host=host, port=port)

    def _reset_state(self):
        self.transactions: dict[str, dict] = {}  # by reference
        self._by_id: dict[int, str] = {}
        self.refunds: dict[int, dict] = {}
        self.customers: dict[str, dict] = {}  # by email
        self._order: list[tuple[float, int, str]] = []  # (created timestamp, id, reference), ascending
        self._dirty = False
        self._version = 0
        self._filtered_cache: tuple | None = None
        # Work counters (tests assert paging is linear by counting, not by timing).
        self.list_builds = 0
        self.rows_rendered = 0
        self._next_id = 4_000_000_001
        self._next_refund_id = 9_000_001
        self._next_customer_id = 200_000_001

    # ==============================================================================================
    # HTTP
    # ==============================================================================================
    def _failure_response(self, failure) -> Response:
        body = failure.body
        if body is None:
            body = {"status": False, "message": "An error occurred while processing your request"}
        return Response.json(failure.status or 500, body, failure.headers)

    def _internal_error(self, exc: Exception) -> Response:
        return Response.json(
            500, {"status": False, "message": f"Fake Paystack bug: {type(exc).__name__}: {exc}"}
        )

    def handle(self, request: Request) -> Response:
        auth = request.header("authorization")
        token = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not token or not secrets.compare_digest(token, self.secret_key):
            return Response.json(401, {"status": False, "message": "Invalid key"})
        try:
            body = self._body(request)
            query = dict(parse_qsl(request.query, keep_blank_values=True))
            with self.lock:
                message, data, extra = self._route(request.method, request.path, body, query)
        except PaystackError as err:
            return Response.json(err.status, {"status": False, "message": err.message})
        return Response.json(200, {"status": True, "message": message, "data": data, **extra})

    @staticmethod
    def _body(request: Request) -> dict:
        if request.method not in ("POST", "PUT"):
            return {}
        if not request.body:
            return {}
        if "json" in request.header("content-type", "application/json") or request.body[:1] in (b"{", b"["):
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise PaystackError(400, "Invalid JSON body") from exc
            if not isinstance(body, dict):
                raise PaystackError(400, "Invalid JSON body")
            return body
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))

    # The routes the code calls (apps/orders/payments/paystack.py), and no others:
    # tests/fakes/test_routes.py checks both ways. Paystack accepts a trailing slash.
    ROUTES = (
        ("POST", r"/transaction/initialize/?", "_api_initialize"),
        ("GET", r"/transaction/?", "_api_list"),
        ("POST", r"/refund/?", "_api_refund"),
    )

    def _route(self, method: str, path: str, body: dict, query: dict):
        found = self.route(method, path)
        if found is None:
            raise PaystackError(404, f"Route not found: {method} {path}")
        handler, _ = found
        return handler(query if method == "GET" else body)

    # ==============================================================================================
    # Objects
    # ==============================================================================================
    def _customer(self, email: str) -> dict:
        customer = self.customers.get(email.lower())
        if customer is None:
            customer = {
                "id": self._next_customer_id,
                "first_name": None,
                "last_name": None,
                "email": email,
                "customer_code": f"CUS_{_token(15)}",
                "phone": None,
                "metadata": None,
                "risk_action": "default",
                "international_format_phone": None,
            }
            self._next_customer_id += 1
            self.customers[email.lower()] = customer
        return customer

    def _new_transaction(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        email: str,
        metadata,
        created_at: datetime | None = None,
        channels: list | None = None,
        callback_url: str | None = None,
    ) -> dict:
        created_at = created_at or datetime.now(UTC)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        access_code = _token(15)
        txn = {
            "id": self._next_id,
            "domain": self.domain,
            "status": "abandoned",
            "reference": reference,
            "receipt_number": None,
            "amount": amount,
            "message": None,
            "gateway_response": "The transaction was not completed",
            "paid_at": None,
            "created_at": iso(created_at),
            "channel": "card",
            "currency": currency,
            "ip_address": None,
            "metadata": "" if metadata in (None, "") else metadata,
            "log": None,
            "fees": None,
            "fees_split": None,
            "authorization": {},
            "customer": dict(self._customer(email)),
            "plan": None,
            "split": {},
            "order_id": None,
            "paidAt": None,
            "createdAt": iso(created_at),
            "requested_amount": amount,
            "pos_transaction_data": None,
            "source": None,
            "fees_breakdown": None,
            "connect": None,
            "transaction_date": iso(created_at),
            "plan_object": {},
            "subaccount": {},
            # not part of Paystack's answers (stripped on the way out):
            "_access_code": access_code,
            "_authorization_url": f"https://checkout.paystack.com/{access_code}",
            "_created": created_at.timestamp(),
            "_refunded": 0,
            "_callback_url": callback_url,
            "_channels": channels,
        }
        self._next_id += 1
        self.transactions[reference] = txn
        self._by_id[txn["id"]] = reference
        key = (txn["_created"], txn["id"], reference)
        if self._order and key < self._order[-1]:
            self._dirty = True
        self._order.append(key)
        self._version += 1
        return txn

    @staticmethod
    def _public(txn: dict) -> dict:
        return _clone({k: v for k, v in txn.items() if not k.startswith("_")})

    def _txn(self, reference_or_id) -> dict | None:
        key = str(reference_or_id)
        if key in self.transactions:
            return self.transactions[key]
        if key.isdigit() and int(key) in self._by_id:
            return self.transactions[self._by_id[int(key)]]
        return None

    def _pay(
        self, txn: dict, *, paid_at: datetime | None = None, channel: str = "card", fees: int | None = None
    ):
        paid_at = paid_at or datetime.now(UTC)
        start = int(paid_at.timestamp())
        txn.update(
            status="success",
            gateway_response="Successful",
            paid_at=iso(paid_at),
            paidAt=iso(paid_at),
            channel=channel,
            ip_address="102.89.0.1",
            fees=local_card_fee(txn["amount"]) if fees is None else fees,
            log={
                "start_time": start - 4,
                "time_spent": 4,
                "attempts": 1,
                "errors": 0,
                "success": True,
                "mobile": False,
                "input": [],
                "history": [
                    {"type": "action", "message": f"Attempted to pay with {channel}", "time": 3},
                    {"type": "success", "message": f"Successfully paid with {channel}", "time": 4},
                ],
            },
            authorization={
                "authorization_code": f"AUTH_{_token(10)}",
                "bin": "408408",
                "last4": "4081",
                "exp_month": "12",
                "exp_year": "2030",
                "channel": channel,
                "card_type": "visa ",
                "bank": "TEST BANK",
                "country_code": "NG",
                "brand": "visa",
                "reusable": True,
                "signature": f"SIG_{_token(20)}",
                "account_name": None,
            },
        )
        self._version += 1

    # ==============================================================================================
    # API
    # ==============================================================================================
    @staticmethod
    def _amount(raw, *, message: str = "Invalid Amount Sent") -> int:
        if isinstance(raw, bool) or raw is None or raw == "":
            raise PaystackError(400, message)
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str) and re.fullmatch(r"\d+", raw.strip()):
            value = int(raw.strip())
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            raise PaystackError(400, message)
        if value <= 0:
            raise PaystackError(400, message)
        return value

    def _api_initialize(self, body: dict):
        email = body.get("email")
        if not isinstance(email, str) or not _EMAIL.match(email.strip()):
            raise PaystackError(400, "Invalid Email Address Passed")
        amount = self._amount(body.get("amount"))
        currency = str(body.get("currency") or "NGN").upper()
        if currency not in CURRENCIES:
            raise PaystackError(403, "Currency not supported by merchant")
        reference = body.get("reference")
        if reference in (None, ""):
            reference = _token(10)
            while reference in self.transactions:
                reference = _token(10)
        reference = str(reference)
        if not _REFERENCE.match(reference):
            raise PaystackError(
                400, "Invalid transaction reference: only -, ., = and alphanumeric characters are allowed"
            )
        if reference in self.transactions:
            raise PaystackError(400, "Duplicate Transaction Reference")
        metadata = body.get("metadata")
        if isinstance(metadata, str) and metadata:
            try:
                metadata = json.loads(metadata)
            except ValueError as exc:
                raise PaystackError(400, "Invalid metadata: must be a JSON object or a JSON string") from exc
        txn = self._new_transaction(
            reference=reference,
            amount=amount,
            currency=currency,
            email=email.strip(),
            metadata=metadata,
            channels=body.get("channels"),
            callback_url=body.get("callback_url"),
        )
        data = {
            "authorization_url": txn["_authorization_url"],
            "access_code": txn["_access_code"],
            "reference": reference,
        }
        return "Authorization URL created", data, {}

    def _positive_int(self, query: dict, name: str, default: int) -> int:
        raw = query.get(name)
        if raw in (None, ""):
            return default
        if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
            raise PaystackError(400, f"{name} must be a positive integer")
        return int(raw)

    def _filtered(
        self, start: float | None, end: float | None, status: str | None, customer: str | None
    ) -> list:
        cache_key = (self._version, start, end, status, customer)
        if self._filtered_cache is not None and self._filtered_cache[0] == cache_key:
            return self._filtered_cache[1]
        if self._dirty:
            self._order.sort()
            self._dirty = False
        order = self._order
        lo = 0 if start is None else bisect_left(order, (start, -1, ""))
        hi = len(order) if end is None else bisect_right(order, (end, math.inf, ""))
        refs = [order[i][2] for i in range(hi - 1, lo - 1, -1)]  # newest first
        if status or customer:
            txns = self.transactions
            refs = [
                r
                for r in refs
                if (not status or txns[r]["status"] == status)
                and (
                    not customer
                    or str(customer) in (str(txns[r]["customer"]["id"]), txns[r]["customer"]["customer_code"])
                )
            ]
        self._filtered_cache = (cache_key, refs)
        self.list_builds += 1
        return refs

    def _api_list(self, query: dict):
        per_page = self._positive_int(query, "perPage", 50)
        page = self._positive_int(query, "page", 1)
        try:
            start = _parse_when(query["from"], end_of_day=False).timestamp() if query.get("from") else None
            end = _parse_when(query["to"], end_of_day=True).timestamp() if query.get("to") else None
        except ValueError as exc:
            raise PaystackError(400, "Invalid date format for from or to") from exc
        status = query.get("status") or None
        if status and status not in TRANSACTION_STATUSES:
            raise PaystackError(400, f"Invalid status: {status}")
        refs = self._filtered(start, end, status, query.get("customer") or None)
        skipped = (page - 1) * per_page
        # Shallow views, not deep copies: the page is encoded as JSON before this request ends,
        # and a deep copy of each row was most of a list page's cost.
        txns = self.transactions
        page_refs = refs[skipped : skipped + per_page]
        data = [{k: v for k, v in txns[r].items() if not k.startswith("_")} for r in page_refs]
        self.rows_rendered += len(data)
        meta = {
            "total": len(refs),
            "skipped": skipped,
            "perPage": per_page,
            "page": page,
            "pageCount": max(math.ceil(len(refs) / per_page), 1) if refs else 0,
        }
        return "Transactions retrieved", data, {"meta": meta}

    def _refund_data(self, refund: dict) -> dict:
        return _clone(refund)

    def _api_refund(self, body: dict):
        key = body.get("transaction")
        if key in (None, ""):
            raise PaystackError(400, "Transaction reference or id is required")
        txn = self._txn(key)
        if txn is None:
            raise PaystackError(404, "Transaction not found")
        if txn["status"] == "reversed" or (txn["status"] == "success" and txn["_refunded"] >= txn["amount"]):
            raise PaystackError(400, "Transaction has been fully reversed")
        if txn["status"] != "success":
            raise PaystackError(400, "Cannot refund a transaction that was not successful")
        currency = body.get("currency")
        if currency and str(currency).upper() != txn["currency"]:
            raise PaystackError(400, "Currency does not match the transaction currency")
        remaining = txn["amount"] - txn["_refunded"]
        amount = (
            remaining
            if body.get("amount") in (None, "")
            else self._amount(body["amount"], message="Invalid amount")
        )
        if amount > remaining:
            raise PaystackError(400, "Refund amount cannot be more than the unrefunded transaction amount")
        now = datetime.now(UTC)
        refund = {
            "transaction": {
                k: _clone(txn[k])
                for k in (
                    "id",
                    "domain",
                    "reference",
                    "amount",
                    "paid_at",
                    "channel",
                    "currency",
                    "authorization",
                    "customer",
                    "plan",
                    "split",
                    "order_id",
                    "paidAt",
                    "pos_transaction_data",
                    "source",
                    "fees_breakdown",
                )
            },  # fmt: skip
            "integration": 100001,
            "deducted_amount": 0,
            "channel": None,
            "merchant_note": body.get("merchant_note") or f"Refund for transaction {txn['reference']}",
            "customer_note": body.get("customer_note") or f"Refund for transaction {txn['reference']}",
            "status": "pending",
            "refunded_by": "fake@foundry.test",
            "expected_at": iso(now + timedelta(days=7)),
            "currency": txn["currency"],
            "domain": self.domain,
            "amount": amount,
            "fully_deducted": False,
            "id": self._next_refund_id,
            "createdAt": iso(now),
            "updatedAt": iso(now),
        }
        self._next_refund_id += 1
        self.refunds[refund["id"]] = refund
        txn["_refunded"] += amount
        if txn["_refunded"] >= txn["amount"]:
            txn["status"] = "reversed"
        self._version += 1
        return "Refund has been queued for processing", self._refund_data(refund), {}

    # ==============================================================================================
    # Test helpers (no HTTP)
    # ==============================================================================================
    def add_transaction(
        self,
        *,
        reference: str | None = None,
        amount: int,
        currency: str = "NGN",
        status: str = "success",
        email: str = "customer@example.com",
        metadata=None,
        created_at: datetime | None = None,
        paid_at: datetime | None = None,
        amount_refunded: int = 0,
    ) -> dict:
        """Put a transaction straight into the fake (``status`` any Paystack status); no HTTP.
        ``amount_refunded`` records refunds already made (``reversed`` once it reaches ``amount``)."""
        if status not in TRANSACTION_STATUSES:
            raise ValueError(f"unknown Paystack transaction status {status!r}")
        with self.lock:
            reference = reference or _token(12)
            if reference in self.transactions:
                raise ValueError(f"duplicate reference {reference}")
            txn = self._new_transaction(
                reference=reference,
                amount=int(amount),
                currency=currency.upper(),
                email=email,
                metadata=metadata,
                created_at=created_at,
            )
            if status in ("success", "reversed"):
                self._pay(txn, paid_at=paid_at or created_at)
            if status == "failed":
                txn.update(gateway_response="Declined")
            txn["status"] = status
            if amount_refunded or status == "reversed":
                txn["_refunded"] = int(amount_refunded) if amount_refunded else txn["amount"]
                if txn["_refunded"] >= txn["amount"]:
                    txn["status"] = "reversed"
            return self._public(txn)

    def get_transaction(self, reference: str) -> dict:
        with self.lock:
            return self._public(self.transactions[reference])

    def authorization_url(self, reference: str) -> str:
        return self.transactions[reference]["_authorization_url"]

    def amount_refunded(self, reference: str) -> int:
        """Kobo refunded so far (pending, processing and processed refunds; failed ones don't count)."""
        return self.transactions[reference]["_refunded"]

    def mark_success(
        self,
        reference: str,
        *,
        paid_at: datetime | None = None,
        channel: str = "card",
        fees: int | None = None,
        amount: int | None = None,
    ) -> dict:
        """The customer paid. ``amount`` (kobo) simulates a payment for another amount than requested."""
        with self.lock:
            txn = self.transactions[reference]
            if txn["status"] not in ("abandoned", "ongoing", "pending", "processing", "queued", "failed"):
                raise ValueError(f"{reference} is {txn['status']}: it cannot be paid")
            if amount is not None:
                txn["amount"] = int(amount)
            self._pay(txn, paid_at=paid_at, channel=channel, fees=fees)
            return self._public(txn)

    def mark_failed(self, reference: str, *, gateway_response: str = "Declined") -> dict:
        with self.lock:
            txn = self.transactions[reference]
            if txn["status"] in ("success", "reversed"):
                raise ValueError(f"{reference} is {txn['status']}: it cannot fail")
            txn.update(status="failed", gateway_response=gateway_response, channel="card")
            self._version += 1
            return self._public(txn)

    def mark_abandoned(self, reference: str) -> dict:
        with self.lock:
            txn = self.transactions[reference]
            txn.update(status="abandoned", gateway_response="The transaction was not completed")
            self._version += 1
            return self._public(txn)

    def set_status(self, reference: str, status: str) -> dict:
        """Force any status (``ongoing``, ``pending``, ``queued``...) without side effects."""
        if status not in TRANSACTION_STATUSES:
            raise ValueError(f"unknown Paystack transaction status {status!r}")
        with self.lock:
            self.transactions[reference]["status"] = status
            self._version += 1
            return self._public(self.transactions[reference])

    def set_refund_status(self, refund_id: int, status: str) -> dict:
        """Move a refund on (``processing``, ``processed``, ``failed``...). A failed refund frees its
        amount (and a ``reversed`` transaction is ``success`` again)."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"unknown Paystack refund status {status!r}")
        with self.lock:
            refund = self.refunds[refund_id]
            txn = self.transactions[refund["transaction"]["reference"]]
            if status == "failed" and refund["status"] != "failed":
                txn["_refunded"] -= refund["amount"]
                if txn["status"] == "reversed" and txn["_refunded"] < txn["amount"]:
                    txn["status"] = "success"
            elif refund["status"] == "failed" and status != "failed":
                txn["_refunded"] += refund["amount"]
                if txn["_refunded"] >= txn["amount"]:
                    txn["status"] = "reversed"
            refund["status"] = status
            refund["updatedAt"] = iso(datetime.now(UTC))
            if status == "processed":
                refund["refunded_at"] = refund["updatedAt"]
            self._version += 1
            return _clone(refund)

    def refunds_for(self, reference: str) -> list[dict]:
        with self.lock:
            return [_clone(r) for r in self.refunds.values() if r["transaction"]["reference"] == reference]

    # --- webhooks -------------------------------------------------------------------------------
    def webhook_event(self, reference_or_refund_id, event: str = "charge.success") -> dict:
        """The JSON Paystack POSTs to the webhook URL.

        ``charge.success`` (and other ``charge.*`` / ``transaction.*`` events): ``data`` is the
        transaction, as ``verify`` returns it. ``refund.pending`` / ``refund.processing`` /
        ``refund.processed`` / ``refund.failed``: pass the refund id; ``data`` is the refund notice.
        """
        with self.lock:
            if event.startswith("refund."):
                refund = self.refunds[int(reference_or_refund_id)]
                txn = self.transactions[refund["transaction"]["reference"]]
                customer = txn["customer"]
                data = {
                    "status": event.split(".", 1)[1],
                    "transaction_reference": txn["reference"],
                    "refund_reference": None if event != "refund.processed" else f"RFN{_token(10).upper()}",
                    "amount": refund["amount"],
                    "currency": refund["currency"],
                    "processor": "mpgs_zen",
                    "customer": {
                        "first_name": customer["first_name"],
                        "last_name": customer["last_name"],
                        "email": customer["email"],
                    },
                    "integration": refund["integration"],
                    "domain": self.domain,
                    "id": str(refund["id"]),
                }
                return {"event": event, "data": data}
            txn = self._txn(reference_or_refund_id)
            if txn is None:
                raise KeyError(reference_or_refund_id)
            return {"event": event, "data": self._public(txn)}

    def webhook_body(self, reference_or_refund_id, event: str = "charge.success") -> bytes:
        return json.dumps(self.webhook_event(reference_or_refund_id, event), separators=(",", ":")).encode()

    def signed_webhook(
        self, reference_or_refund_id, event: str = "charge.success"
    ) -> tuple[bytes, dict[str, str]]:
        """``(body, headers)`` ready to POST to the webhook view: headers carry ``x-paystack-signature``."""
        body = self.webhook_body(reference_or_refund_id, event)
        return body, {
            "Content-Type": "application/json",
            "x-paystack-signature": paystack_signature(body, self.secret_key),
        }
