"""Paystack (NGN), over its REST API: initialize a transaction (reference = the order number),
refunds, and the transaction list page by page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import requests
from django.conf import settings

from apps.orders.pricing import from_minor_units, to_minor_units

from .base import (
    Charge,
    PaymentProvider,
    PaymentProviderError,
    ProviderPayment,
    ProviderRecord,
    ProviderRefund,
)

TIMEOUT = (5, 20)
TRANSACTION_STATUS = {
    "success": "succeeded",
    "failed": "failed",
    "abandoned": "failed",
    "reversed": "refunded",
    "ongoing": "pending",
    "pending": "pending",
    "processing": "pending",
    "queued": "pending",
}


def _call(method: str, path: str, **kwargs) -> dict:
    url = settings.PAYSTACK_API_BASE.rstrip("/") + path
    headers = {"Authorization": f"Bearer {settings.PAYSTACK_SECRET_KEY}"}
    try:
        response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise PaymentProviderError(f"Paystack could not be reached: {type(exc).__name__}.") from exc
    if response.status_code >= 400 or not body.get("status"):
        raise PaymentProviderError(f"Paystack: {body.get('message') or response.reason}")
    return body


class PaystackProvider(PaymentProvider):
    name = "paystack"

    def create_payment(self, *, charge: Charge, idempotency_key: str) -> ProviderPayment:
        body = _call(
            "POST",
            "/transaction/initialize",
            json={
                "email": charge.email,
                "amount": to_minor_units(charge.amount, charge.currency),
                "currency": charge.currency,
                "reference": charge.reference,
                "metadata": charge.metadata,
            },
        )
        data = body["data"]
        return ProviderPayment(
            reference=data["reference"], client_secret=data.get("access_code", ""), status="pending"
        )

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> ProviderRefund:
        body = _call(
            "POST",
            "/refund",
            json={"transaction": payment.reference, "amount": to_minor_units(amount, payment.currency)},
        )
        data = body["data"]
        status = {"processed": "succeeded", "failed": "failed"}.get(data.get("status"), "pending")
        return ProviderRefund(reference=str(data.get("id", "")), status=status)

    def list_payments(self, *, since: datetime):
        page = 1
        while True:
            body = _call(
                "GET", "/transaction", params={"perPage": 100, "page": page, "from": since.isoformat()}
            )
            for tx in body.get("data", []):
                currency = (tx.get("currency") or "NGN").upper()
                yield ProviderRecord(
                    reference=tx["reference"],
                    amount=from_minor_units(int(tx["amount"]), currency),
                    currency=currency,
                    status=TRANSACTION_STATUS.get(tx.get("status"), "pending"),
                    order_number=(
                        (tx.get("metadata") or {}) if isinstance(tx.get("metadata"), dict) else {}
                    ).get("order_number", tx["reference"]),
                    created=datetime.fromisoformat(tx["created_at"].replace("Z", "+00:00"))
                    if tx.get("created_at")
                    else None,
                )
            meta = body.get("meta") or {}
            if page >= int(meta.get("pageCount") or 1):
                return
            page += 1
