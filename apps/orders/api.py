"""The orders app's public surface for other apps (a quote's acceptance places an order).

Owns: carts, orders (lines, status history), payments through the providers (Stripe, Paystack,
offline), refunds, the providers' webhooks and payment reconciliation. A payment pays for an
order or for something another app owns, its subject (``Payment.subject_type``, the subject's
model label such as ``JOB_SUBJECT`` = ``"jobs.job"``, and ``Payment.subject_id``): a reference,
not a foreign key, so orders imports nothing of the apps whose things it is paid for; the
owning app keeps a subject with payments from being deleted.

Offers:

- ``order_place``: one transaction that creates a ``pending_payment`` order from explicit lines
  and unit prices, reserves the stock of every line (409 ``insufficient_stock``, nothing made)
  and creates the payment with the currency's provider (502 ``payment_provider_error`` rolls it
  all back). Checkout places its orders through the same function.
- ``order_summary``: the order as the API shows it after placement.
- ``order_advance``: shipments move their order to shipped / delivered (each step recorded).
- ``AddressSerializer``: the structured address, validated by country, for callers that take one.
- ``payment_succeeded_apply``: apply a provider's "payment succeeded" (what its webhook does;
  the demo data use it).
- ``refund_create``: refund (part of) a captured payment through its provider.
- The models and filters others query or export: ``Order``, ``OrderLine``,
  ``OrderStatusHistory``, ``Payment``, ``Refund``, ``OrderFilter``, ``PaymentFilter``; the
  providers' ``Charge`` and ``provider_for`` (a job's payment intent); ``order_transition``.
- ``payments_for``: the payments of another app's subjects (one subject, or all of a type);
  ``payment_job_id``: the query expression of the service job a payment pays for (exports).
- ``payments_through``: a block in which every payment goes to one provider whatever is configured
  (the demo data: ``"offline"``).

Events, sent after commit (``signals``; keyword arguments ``payment_id`` and ``source`` or
``reason``): ``payment_succeeded``, ``payment_needs_review``, ``payment_disputed``. The apps whose
payments orders takes (service jobs) listen to them. Listens to none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import QuerySet

from .addresses import AddressSerializer
from .filters import OrderFilter, PaymentFilter
from .models import JOB_SUBJECT, Order, OrderLine, OrderStatusHistory, Payment, Refund, payment_job_id
from .payments import Charge, payments_through, provider_for
from .pricing import Totals, money_round, totals_for
from .services.checkout import MAX_ORDER_TOTAL, OrderLineRequest, PlacedOrder, order_place
from .services.payment_events import payment_succeeded as payment_succeeded_apply
from .services.refunds import refund_create
from .services.status import order_advance, order_transition
from .signals import payment_disputed, payment_needs_review, payment_succeeded

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser


def payments_for(*, subject_type: str, subject_id: UUID | str | None = None) -> QuerySet[Payment]:
    """The payments of another app's subjects of ``subject_type`` ("<app_label>.<model>"), or of
    the one subject ``subject_id`` when given."""
    rows = Payment.objects.filter(subject_type=subject_type)
    return rows if subject_id is None else rows.filter(subject_id=subject_id)


def order_summary(*, order: Order) -> dict:
    """``{id, number, status, currency, subtotal, shipping, tax, total, reserved_until}``, money as
    decimal strings."""
    return {
        "id": str(order.pk),
        "number": order.number,
        "status": order.status,
        "currency": order.currency,
        "subtotal": f"{order.subtotal:.2f}",
        "shipping": f"{order.shipping:.2f}",
        "tax": f"{order.tax:.2f}",
        "total": f"{order.total:.2f}",
        "reserved_until": order.reserved_until.isoformat() if order.reserved_until else None,
    }


def order_for_caller(*, user: AnyUser, number: str) -> Order | None:
    """The order with this number if ``user`` may see it (its customer, or staff)."""
    from .selectors import order_for_caller as _order_for_caller

    return _order_for_caller(user=user, number=number)


def order_by_id(*, order_id: UUID | str) -> Order | None:
    return Order.objects.filter(pk=order_id).first()


__all__ = [
    "Order",
    "OrderLine",
    "OrderStatusHistory",
    "Payment",
    "Refund",
    "OrderFilter",
    "PaymentFilter",
    "Charge",
    "provider_for",
    "order_transition",
    "payment_disputed",
    "payment_needs_review",
    "payment_succeeded",
    "refund_create",
    "payment_succeeded_apply",
    "payments_through",
    "JOB_SUBJECT",
    "payments_for",
    "payment_job_id",
    "MAX_ORDER_TOTAL",
    "order_advance",
    "AddressSerializer",
    "OrderLineRequest",
    "PlacedOrder",
    "money_round",
    "order_by_id",
    "order_for_caller",
    "order_place",
    "order_summary",
    "Totals",
    "totals_for",
]
