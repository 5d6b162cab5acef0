"""Refunds: partial or full, never more than captured minus already refunded (checked with
the payment row locked), through the provider with an idempotency key; optional restock."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.core.activity import activity_record
from apps.core.errors import Conflict
from apps.inventory import api as inventory
from apps.inventory.models import Reservation, StockMovement

from ..models import Order, Payment, Refund
from ..payments import provider_named
from ..pricing import money_round

REFUNDABLE = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)


def _restock_order(*, order: Order, actor) -> int:
    """Put the order's sold goods back where they came from, once (``returned`` movements)."""
    reference = f"restock:{order.number}"
    if StockMovement.objects.filter(reference=reference).exists():
        return 0
    from apps.catalog.models import Variant

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
    actor=None,
    request=None,
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
        payment=payment, amount=amount, reason=reason, restock=restock, actor=actor
    )
    result = provider_named(payment.provider).refund(
        payment=payment, amount=amount, idempotency_key=f"refund-{refund.pk}"
    )
    refund.reference, refund.status = result.reference, result.status
    refund.save(update_fields=["reference", "status", "updated_at"])
    payment.amount_refunded += amount
    payment.status = (
        Payment.Status.REFUNDED
        if payment.amount_refunded >= payment.amount_captured
        else Payment.Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    order = payment.order  # None for a service job's payment (apps.tracking)
    if restock and order is not None:
        _restock_order(order=order, actor=actor)
    activity_record(
        actor=actor,
        action="refund",
        entity=order if order is not None else payment.job,
        after={
            "payment": str(payment.pk),
            "amount": f"{amount:.2f}",
            "currency": payment.currency,
            "restock": restock,
        },
        request=request,
        only_changes=False,
    )
    if move_order and order is not None:
        _refunded_in_full(order=order, actor=actor)
    return refund


def _refunded_in_full(*, order: Order, actor) -> None:
    """Once every captured payment is refunded in full, the order is ``refunded`` (if the state
    machine allows it from where it is; a cancelled order stays cancelled)."""
    from .. import workflows
    from .status import _move, order_lock

    order = order_lock(order)
    captured = [p for p in order.payments.all() if p.amount_captured > 0]
    fully = captured and all(p.amount_refunded >= p.amount_captured for p in captured)
    if fully and Order.Status.REFUNDED in workflows.allowed_next(order.status):
        _move(order=order, target=Order.Status.REFUNDED, actor=actor, reason="refunded in full")
