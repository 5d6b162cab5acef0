"""The one small interface every payment provider implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from apps.core.errors import ApplicationError, ServiceUnavailable


class PaymentProviderError(ApplicationError):
    """The provider refused or could not be reached; nothing was charged by us."""

    status_code = 502
    default_code = "payment_provider_error"
    default_detail = "The payment provider could not be reached. Nothing was charged; try again."


class PaymentsUnavailable(ServiceUnavailable):
    """No payment provider can take this currency here (its provider has no key)."""

    status_code = 503
    default_code = "payments_unavailable"

    def __init__(self, currency: str):
        super().__init__(
            f"Payments in {currency} are not available at the moment: no payment provider is "
            f"configured for {currency}. Nothing was reserved or charged.",
            attr="currency",
            extra={"currency": currency},
        )


@dataclass(frozen=True)
class Charge:
    """What a provider is asked to collect: an order or a service job, described the same way."""

    reference: str  # our number for it: the order number, the job's reference
    amount: Decimal
    currency: str
    email: str
    description: str
    metadata: dict = field(default_factory=dict, compare=False)

    @classmethod
    def of_order(cls, order) -> Charge:
        return cls(
            reference=order.number,
            amount=order.total,
            currency=order.currency,
            email=order.email,
            description=f"Order {order.number}",
            metadata={"order_number": order.number},
        )


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

    def create_payment(self, *, charge: Charge, idempotency_key: str) -> ProviderPayment:
        raise NotImplementedError

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> ProviderRefund:
        raise NotImplementedError

    def list_payments(self, *, since: datetime) -> Iterator[ProviderRecord]:
        """Every payment created since ``since``, page by page (never all in memory)."""
        raise NotImplementedError
