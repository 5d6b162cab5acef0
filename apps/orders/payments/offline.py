"""The built-in offline provider (development only: settings refuse it without DEBUG).

It mirrors Stripe's PaymentIntent flow without an account: checkout gets a ``pi_…`` id and a
``client_secret``, and the payment completes when ``POST /api/v1/webhooks/stripe`` receives a
``payment_intent.succeeded`` event signed with STRIPE_WEBHOOK_SECRET (``manage.py
simulate_payment FD-2026-000001`` sends one), exactly as with Stripe. Refunds succeed at once.
"""

import secrets
from decimal import Decimal

from .base import Charge, PaymentProvider, ProviderPayment, ProviderRecord, ProviderRefund


class OfflineProvider(PaymentProvider):
    name = "offline"

    def create_payment(self, *, charge: Charge, idempotency_key: str) -> ProviderPayment:
        reference = f"pi_{secrets.token_hex(12)}"
        return ProviderPayment(
            reference=reference,
            client_secret=f"{reference}_secret_{secrets.token_urlsafe(18)}",
            status="pending",
        )

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> ProviderRefund:
        return ProviderRefund(reference=f"re_{secrets.token_hex(12)}", status="succeeded")

    def list_payments(self, *, since):
        """The offline provider keeps no books of its own: its records are ours."""
        from apps.orders.models import Payment

        for p in Payment.objects.filter(provider="offline", created_at__gte=since).iterator(chunk_size=1000):
            yield ProviderRecord(
                reference=p.reference,
                amount=p.amount,
                currency=p.currency,
                status=p.status,
                created=p.created_at,
            )


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``."""
    import hashlib
    import hmac
    import time

    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payment_intent_event(*, payment, event_type: str = "payment_intent.succeeded") -> dict:
    """A Stripe event for ``payment``'s PaymentIntent, as Stripe shapes it."""
    from apps.orders.pricing import to_minor_units

    minor = to_minor_units(payment.amount, payment.currency)
    return {
        "id": f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "api_version": "2024-06-20",
        "created": int(payment.created_at.timestamp()),
        "data": {
            "object": {
                "id": payment.reference,
                "object": "payment_intent",
                "amount": minor,
                "amount_received": minor if event_type == "payment_intent.succeeded" else 0,
                "currency": payment.currency.lower(),
                "status": "succeeded"
                if event_type == "payment_intent.succeeded"
                else "requires_payment_method",
                "metadata": (
                    {"order_number": payment.order.number}
                    if payment.order_id
                    else {"job_id": str(payment.subject_job_id)}
                ),
            }
        },
    }
