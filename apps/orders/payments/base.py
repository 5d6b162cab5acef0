"""The one small interface every payment provider implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from apps.core.errors import ApplicationError


class PaymentProviderError(ApplicationError):
    """The provider refused or could not be reached; nothing was charged by us."""

    status_code = 502
    default_code = "payment_provider_error"
    default_detail = "The payment provider could not be reached. Nothing was charged; try again."


@dataclass(frozen=True)
class ProviderPayment:
    reference: str  # pi_… (Stripe), the transaction reference (Paystack)
    client_secret: str  # what the frontend needs: PaymentIntent client secret / Paystack URL
    status: str  # Payment.Status


@dataclass(frozen=True)
class ProviderRefund:
    reference: str
    status: str  # Refund.Status


@dataclass(frozen=True)
class ProviderRecord:
    """A payment as the provider's list shows it (for reconciliation)."""

    reference: str
    amount: Decimal
    currency: str
    status: str  # Payment.Status: succeeded | pending | failed | refunded | partially_refunded
    order_number: str = ""
    created: datetime | None = None
    raw: dict = field(default_factory=dict, compare=False)


class PaymentProvider:
    name = ""

    def create_payment(self, *, order, idempotency_key: str) -> ProviderPayment:
        raise NotImplementedError

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> ProviderRefund:
        raise NotImplementedError

    def list_payments(self, *, since: datetime) -> Iterator[ProviderRecord]:
        """Every payment created since ``since``, page by page (never all in memory)."""
        raise NotImplementedError
