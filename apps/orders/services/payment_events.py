"""What a provider's event does to payments and orders. Called by the webhook task with the
event row locked, so each event takes effect once; every function is also idempotent on its
own (a payment already succeeded stays so), because reconciliation applies the same facts."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.db import transaction
from django.utils import timezone

from apps.core.activity import activity_record

from ..models import Order, Payment
from ..signals import payment_disputed as payment_disputed_event
from ..signals import payment_needs_review, send_on_commit
from ..signals import payment_succeeded as payment_succeeded_event
from . import emails
from .refunds import order_refunded_if_in_full, payment_refunds_settle, refund_create
from .status import order_lock, order_mark_paid

STRIPE_LIKE = (Payment.Provider.STRIPE, Payment.Provider.OFFLINE)


def _payment_locked(*, providers: tuple[str, ...], reference: str) -> Payment | None:
    return (
        Payment.objects.select_for_update(of=("self",))  # the order is nullable: an outer join
        .select_related("order")
        .filter(provider__in=providers, reference=reference)
        .first()
    )


def _order_paid_for(payment: Payment) -> Order:
    """The order of a payment that pays for no other app's subject: the
    ``payment_for_order_or_subject`` check constraint holds exactly one of the two."""
    return cast(Order, payment.order)


def _flag(*, order: Order, reason: str) -> None:
    order.needs_review = True
    order.review_reason = (order.review_reason + "\n" if order.review_reason else "") + reason
    order.save(update_fields=["needs_review", "review_reason", "updated_at"])
    activity_record(actor=None, action="flag", entity=order, after={"reason": reason}, only_changes=False)


@transaction.atomic
def payment_succeeded(
    *, providers: tuple[str, ...], reference: str, amount: Decimal, currency: str, source: str
) -> str:
    """The provider took the money. The amount and currency must match the payment (and so the
    order); otherwise the payment is flagged for review and the order is not marked paid.
    Returns what happened (for the event log)."""
    payment = _payment_locked(providers=providers, reference=reference)
    if payment is None:
        return f"no local payment {reference}"
    if payment.status in (
        Payment.Status.SUCCEEDED,
        Payment.Status.PARTIALLY_REFUNDED,
        Payment.Status.REFUNDED,
    ):
        return "already applied"
    order = order_lock(order=payment.order) if payment.order is not None else None  # None: a job (no query)
    if amount != payment.amount or currency.upper() != payment.currency:
        payment.status = Payment.Status.NEEDS_REVIEW
        payment.review_reason = (
            f"{source}: provider reports {amount:.2f} {currency.upper()}, "
            f"expected {payment.amount:.2f} {payment.currency}."
        )
        payment.save(update_fields=["status", "review_reason", "updated_at"])
        if order is not None:
            _flag(order=order, reason=payment.review_reason)
        send_on_commit(payment_needs_review, payment_id=payment.pk, reason=payment.review_reason)
        return "amount mismatch: flagged"
    payment.status = Payment.Status.SUCCEEDED
    payment.amount_captured = amount
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "amount_captured", "succeeded_at", "updated_at"])
    send_on_commit(payment_succeeded_event, payment_id=payment.pk, source=source)
    if order is None:  # the payment of something another app owns (a service job)
        payment_refunds_settle(payment=payment)  # refunds reported before the capture
        return "payment succeeded: payment_succeeded sent"
    payment_refunds_settle(payment=payment)  # refunds reported before the capture
    if order.status == Order.Status.PENDING_PAYMENT:
        order_mark_paid(order=order, reason=f"payment {reference} succeeded ({source})")
        emails.payment_received_queue(order=order, payment=payment)
        if payment.amount_refunded > 0:
            order_refunded_if_in_full(order=order, actor=None)
            return f"order paid; refunded total {payment.amount_refunded:.2f} applied"
        return "order paid"
    if order.status == Order.Status.CANCELLED:
        # Paid after the order was cancelled (its reservation expired, or it was cancelled
        # meanwhile): the goods are no longer held for it, so the money goes back at once
        # (what the provider has not refunded already).
        remaining = payment.amount_captured - payment.amount_refunded
        if remaining > 0:
            refund_create(
                payment=payment,
                amount=remaining,
                reason=f"paid after the order was cancelled ({source})",
                move_order=False,
            )
        _flag(order=order, reason=f"{source}: payment {reference} succeeded after cancellation; refunded.")
        return "order was cancelled: refunded"
    _flag(order=order, reason=f"{source}: payment {reference} succeeded while the order was {order.status}.")
    return f"order was {order.status}: flagged"


@transaction.atomic
def payment_failed(*, providers: tuple[str, ...], reference: str, message: str = "") -> str:
    payment = _payment_locked(providers=providers, reference=reference)
    if payment is None:
        return f"no local payment {reference}"
    if payment.status != Payment.Status.PENDING:
        return f"payment is {payment.status}: unchanged"
    payment.status = Payment.Status.FAILED
    payment.review_reason = message[:1000]
    payment.save(update_fields=["status", "review_reason", "updated_at"])
    return "payment failed"


@transaction.atomic
def payment_refunded_upstream(
    *, providers: tuple[str, ...], reference: str, key: str, amount: Decimal
) -> str:
    """The provider reports a refund (ours, or one made from its dashboard): ``key`` names what
    the report is about and ``amount`` what it says: for Stripe the charge id and its cumulative
    ``amount_refunded``, for Paystack the refund id and that refund's amount. Recorded on the
    payment whatever its state (the largest report per key counts, so repeats and reports out of
    order change nothing) and applied once the capture is known: a refund that arrives before
    the success is held, not lost. Our own refunds (a Refund row with the provider's id) are
    counted once."""
    payment = _payment_locked(providers=providers, reference=reference)
    if payment is None:
        return f"no local payment {reference}"
    if payment.refunds.filter(reference=key).exists():
        return "our own refund: already counted"
    reports = dict(payment.provider_refunds or {})
    if key in reports and Decimal(reports[key]) >= amount:
        return "already known"
    reports[key] = f"{amount:.2f}"
    payment.provider_refunds = reports
    payment.save(update_fields=["provider_refunds", "updated_at"])
    if not payment_refunds_settle(payment=payment):
        return f"refund held until the payment is captured ({payment.status})"
    if payment.order is not None:  # fetched with the payment (select_related)
        order_refunded_if_in_full(order=payment.order, actor=None)
    return f"refunded total {payment.amount_refunded:.2f}"


@transaction.atomic
def payment_disputed(*, providers: tuple[str, ...], reference: str, reason: str) -> str:
    payment = _payment_locked(providers=providers, reference=reference)
    if payment is None:
        return f"no local payment {reference}"
    send_on_commit(payment_disputed_event, payment_id=payment.pk, reason=reason)
    if payment.order_id is None:  # the payment of something another app owns (a service job)
        return "dispute: payment_disputed sent"
    _flag(order=order_lock(order=_order_paid_for(payment)), reason=f"dispute opened: {reason}")
    return "order flagged: dispute"
