"""Stripe, through the official library: PaymentIntents (amounts in the currency's minor
units, the order number as metadata, Stripe's idempotency key derived from the order),
refunds with their own idempotency keys, and the PaymentIntent list (auto-paginated)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal

import stripe
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

INTENT_STATUS = {
    "succeeded": "succeeded",
    "canceled": "failed",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "requires_capture": "pending",
    "processing": "pending",
}


@functools.cache
def _http_client() -> stripe.RequestsClient:
    """One per process: it keeps a ``requests`` session per thread, so connections to Stripe
    are reused (no TCP and TLS handshake per payment)."""
    return stripe.RequestsClient()


def client() -> stripe.StripeClient:
    """A client over ``requests`` (what the library picks by default), given explicitly: by
    default the library also builds an async (httpx) fallback client with its own SSL context
    on every construction, which cost about a tenth of a checkout and is never used here."""
    options = {"max_network_retries": 2, "http_client": _http_client()}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def _error(exc: Exception) -> PaymentProviderError:
    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    return PaymentProviderError(f"Stripe: {message}")


class StripeProvider(PaymentProvider):
    name = "stripe"

    def create_payment(self, *, charge: Charge, idempotency_key: str) -> ProviderPayment:
        try:
            intent = client().v1.payment_intents.create(
                params={
                    "amount": to_minor_units(charge.amount, charge.currency),
                    "currency": charge.currency.lower(),
                    "metadata": charge.metadata,
                    "description": charge.description,
                    "receipt_email": charge.email,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _error(exc) from exc
        return ProviderPayment(
            reference=intent.id,
            client_secret=intent.client_secret or "",
            status=INTENT_STATUS.get(intent.status, "pending"),
        )

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> ProviderRefund:
        try:
            refund = client().v1.refunds.create(
                params={
                    "payment_intent": payment.reference,
                    "amount": to_minor_units(amount, payment.currency),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _error(exc) from exc
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
            refund.status, "pending"
        )
        return ProviderRefund(reference=refund.id, status=status)

    def list_payments(self, *, since: datetime):
        try:
            pages = client().v1.payment_intents.list(
                params={"created": {"gte": int(since.timestamp())}, "limit": 100}
            )
            for intent in pages.auto_paging_iter():
                metadata = intent.metadata.to_dict() if intent.metadata else {}  # not a dict: no .get()
                yield ProviderRecord(
                    reference=intent.id,
                    amount=from_minor_units(intent.amount, intent.currency.upper()),
                    currency=intent.currency.upper(),
                    status=INTENT_STATUS.get(intent.status, "pending"),
                    order_number=metadata.get("order_number", ""),
                    created=datetime.fromtimestamp(intent.created, tz=UTC),
                )
        except stripe.StripeError as exc:
            raise _error(exc) from exc
