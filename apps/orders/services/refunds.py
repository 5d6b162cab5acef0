"""Refunds: partial or full, never more than captured minus already refunded (checked with
the payment row locked), through the provider with an idempotency key; optional restock."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from apps.core.activity import activity_record
from apps.core.errors import Conflict
from apps.inventory import api as inventory
from apps.inventory.api import Reservation, StockMovement

from ..models import Order, Payment, Refund
from ..payments import provider_named
from ..pricing import money_round

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

REFUNDABLE = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)
CAPTURED = (*REFUNDABLE, Payment.Status.REFUNDED)
# Providers whose refund reports carry the running total of a charge (Stripe's charge.refunded:
# amount_refunded, our own refunds included); the others report each refund once, by its id
# (Paystack's refund.processed), and our own refunds are left out of what they report.
CUMULATIVE_REFUND_REPORTS = (Payment.Provider.STRIPE, Payment.Provider.OFFLINE)


def refunded_total(*, payment: Payment) -> Decimal:
    """What has been refunded of ``payment`` by every fact known, whatever order they came in:
    our own refunds (Refund rows that did not fail) and what the provider reported
    (``provider_refunds``). Not clamped to what was captured."""
    ours = sum((r.amount for r in payment.refunds.exclude(status=Refund.Status.FAILED)), Decimal("0"))
    reported = sum((Decimal(v) for v in (payment.provider_refunds or {}).values()), Decimal("0"))
    if payment.provider in CUMULATIVE_REFUND_REPORTS:
        return max(ours, reported)
    return ours + reported


def payment_refunds_settle(*, payment: Payment) -> bool:
    """Set a LOCKED payment's ``amount_refunded`` and refund status from ``refunded_total``, once
    its capture is known; before that (pending, failed, in review) refunds reported are only held
    in ``provider_refunds``. Returns whether the refunds are applied (the payment is captured)."""
    if payment.status not in CAPTURED:
        return False
    payment.amount_refunded = min(refunded_total(payment=payment), payment.amount_captured)
    if payment.amount_refunded <= 0:
        payment.status = Payment.Status.SUCCEEDED
    elif payment.amount_refunded >= payment.amount_captured:
        payment.status = Payment.Status.REFUNDED
    else:
        payment.status = Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    return True


def _restock_order(*, order: Order, actor) -> int:
    """Put the order's sold goods back where they came from, once (``returned`` movements)."""
    reference = f"restock:{order.number}"
    if StockMovement.objects.filter(reference=reference).exists():
        return 0
    from apps.catalog.api import Variant

    sold = Reservation.objects.filter(
        reference=order.reservation_reference, state=Reservation.State.COMMITTED
    )
    count = 0
    for reservation in sold.select_related("warehouse").order_by("stock_level_id"):
        inventory.stock_restock(
            variant=Variant(pk=reservation.variant_id),
            warehouse=reservation.warehouse,
            quantity=reservation.quantity,
            reference=reference,
            actor=actor,
        )
        count += 1
    return count


@transaction.atomic
def refund_create(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str = "",
    restock: bool = False,
    actor: AnyUser | None = None,
    move_order: bool = True,
) -> Refund:
    payment = Payment.objects.select_for_update(of=("self",)).select_related("order").get(pk=payment.pk)
    amount = money_round(amount, payment.currency)
    if payment.status not in REFUNDABLE:
        raise Conflict(
            f"This payment is {payment.status}: there is nothing captured to refund.", code="not_refundable"
        )
    remaining = payment.amount_captured - payment.amount_refunded
    if amount <= 0:
        raise Conflict("The amount must be positive.", code="invalid_amount", attr="amount")
    if amount > remaining:
        raise Conflict(
            f"At most {remaining:.2f} {payment.currency} can be refunded "
            f"({payment.amount_captured:.2f} captured, {payment.amount_refunded:.2f} already refunded).",
            code="refund_exceeds_captured",
            attr="amount",
        )
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason,
        restock=restock,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    result = provider_named(payment.provider).refund(
        payment=payment, amount=amount, idempotency_key=f"refund-{refund.pk}"
    )
    refund.reference, refund.status = result.reference, result.status
    refund.save(update_fields=["reference", "status", "updated_at"])
    payment_refunds_settle(payment=payment)
    order = payment.order  # None for the payment of another app's subject (a service job)
    if restock and order is not None:
        _restock_order(order=order, actor=actor)
    activity_record(
        actor=actor,
        action="refund",
        entity=order,
        entity_type=None if order is not None else payment.subject_type,
        entity_id=None if order is not None else str(payment.subject_id),
        after={
            "payment": str(payment.pk),
            "amount": f"{amount:.2f}",
            "currency": payment.currency,
            "restock": restock,
        },
        only_changes=False,
    )
    if move_order and order is not None:
        order_refunded_if_in_full(order=order, actor=actor)
    return refund


def order_refunded_if_in_full(*, order: Order, actor: AnyUser | None) -> None:
    """Once every captured payment is refunded in full, the order is ``refunded`` (if the state
    machine allows it from where it is; a cancelled order stays cancelled)."""
    from .. import workflows
    from .status import _move, order_lock

    order = order_lock(order=order)
    captured = [p for p in order.payments.all() if p.amount_captured > 0]
    fully = captured and all(p.amount_refunded >= p.amount_captured for p in captured)
    if fully and Order.Status.REFUNDED in workflows.allowed_next(order.status):
        _move(order=order, target=Order.Status.REFUNDED, actor=actor, reason="refunded in full")
