"""Order status changes, through the state machine (workflows), each recorded in the
order's status history and the activity log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.errors import Conflict, InvalidTransition
from apps.inventory import api as inventory

from .. import workflows
from ..models import Order, OrderStatusHistory

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

S = Order.Status


def order_lock(*, order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _record(*, order: Order, before: str, actor, reason: str) -> None:
    OrderStatusHistory.objects.create(
        order=order,
        from_status=before,
        to_status=order.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )
    activity_record(
        actor=actor,
        action="transition",
        entity=order,
        before={"status": before},
        after={"status": order.status, "reason": reason},
    )


def _move(*, order: Order, target: str, actor, reason: str) -> Order:
    """Apply ``target`` to a LOCKED order after the state machine allows it."""
    workflows.transition_check(current=order.status, target=target)
    before = order.status
    order.status = target
    now = timezone.now()
    fields = ["status", "updated_at"]
    if target == S.PAID:
        order.paid_at, order.reserved_until = now, None
        fields += ["paid_at", "reserved_until"]
    elif target == S.DELIVERED:
        order.delivered_at = now
        fields.append("delivered_at")
    elif target == S.CANCELLED:
        order.cancelled_at, order.reserved_until = now, None
        fields += ["cancelled_at", "reserved_until"]
    order.save(update_fields=fields)
    _record(order=order, before=before, actor=actor, reason=reason)
    return order


@transaction.atomic
def order_transition(*, order: Order, target: str, actor: AnyUser | None, reason: str = "") -> Order:
    """A staff member moves an order along (fulfilling, shipped, delivered, returned). Paying,
    cancelling and refunding have their own flows; asking for them here is refused."""
    order = order_lock(order=order)
    if (order.status, target) not in workflows.STAFF_TRANSITIONS:
        if target in workflows.allowed_next(order.status):
            hints: dict[str, str] = {
                S.CANCELLED: "POST /orders/{number}/cancel",
                S.REFUNDED: "POST /orders/{number}/refunds",
                S.PAID: "the payment provider's confirmation",
            }
            hint = hints.get(target, "its own flow")
            raise Conflict(
                f"'{order.status}' → '{target}' happens through {hint}, not a transition request.",
                code="invalid_transition",
                attr="status",
            )
        raise InvalidTransition(
            current=order.status, target=target, allowed=workflows.allowed_next(order.status)
        )
    if target == S.RETURNED:
        window = timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
        # delivered_at is set by the delivery transition; an order marked delivered some other way
        # (data imported, fixed by hand) falls back to its history, then to its last change.
        delivered_at = (
            order.delivered_at
            or order.history.filter(to_status=S.DELIVERED).values_list("created_at", flat=True).last()
            or order.updated_at
        )
        if timezone.now() - delivered_at > window:
            raise Conflict(
                f"The return window ({settings.ORDER_RETURN_WINDOW_DAYS} days after delivery) has closed.",
                code="invalid_transition",
                attr="status",
            )
    return _move(order=order, target=target, actor=actor, reason=reason)


def order_mark_paid(
    *, order: Order, actor: AnyUser | None = None, reason: str = "payment confirmed"
) -> Order:
    """Inside the caller's transaction, with the order LOCKED: pending_payment → paid, and its
    reservations are committed (the goods are sold)."""
    _move(order=order, target=S.PAID, actor=actor, reason=reason)
    inventory.reservations_commit(reference=order.reservation_reference, actor=actor)
    return order


# The fulfilment line, in order: shipments move an order along it, never backwards.
FULFILMENT_PATH = (S.PAID, S.FULFILLING, S.SHIPPED, S.DELIVERED)


def order_advance(*, order: Order, target: str, actor: AnyUser | None = None, reason: str) -> Order:
    """Inside the caller's transaction: move an order forward along paid → fulfilling →
    shipped → delivered up to ``target``, one recorded step at a time (its shipments decide:
    every line shipped, every shipment delivered). Already there or past it: nothing. An order
    off that line (unpaid, cancelled, refunded, returned): 409 from the state machine."""
    order = order_lock(order=order)
    path = FULFILMENT_PATH
    if order.status in path and path.index(order.status) >= path.index(target):
        return order
    if order.status not in FULFILMENT_PATH:
        workflows.transition_check(current=order.status, target=target)  # raises
    for step in FULFILMENT_PATH[FULFILMENT_PATH.index(order.status) + 1 : FULFILMENT_PATH.index(target) + 1]:
        _move(order=order, target=step, actor=actor, reason=reason)
    return order


@transaction.atomic
def order_cancel(
    *, order: Order, actor: AnyUser | None, reason: str = "", by_customer: bool = False
) -> Order:
    """Cancel: reserved stock is released; stock already sold goes back to its warehouse; a paid
    order is refunded in full. A customer may cancel until fulfilment starts."""
    from .refunds import refund_create

    order = order_lock(order=order)
    if by_customer and order.status not in workflows.CUSTOMER_CANCELLABLE:
        raise InvalidTransition(current=order.status, target=S.CANCELLED, allowed=())
    workflows.transition_check(current=order.status, target=S.CANCELLED)
    was_paid = order.status in (S.PAID, S.FULFILLING)
    _move(order=order, target=S.CANCELLED, actor=actor, reason=reason or "cancelled")
    inventory.reservations_release(reference=order.reservation_reference, actor=actor)
    if was_paid:
        for payment in order.payments.filter(status__in=["succeeded", "partially_refunded"]):
            remaining = payment.amount_captured - payment.amount_refunded
            if remaining > 0:
                refund_create(
                    payment=payment,
                    amount=remaining,
                    reason=f"order cancelled: {reason}".strip(": "),
                    restock=True,
                    actor=actor,
                    move_order=False,
                )
    return order


@transaction.atomic
def orders_expire_unpaid(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders whose reservation has run out and release their stock. Rows another
    run holds are skipped, so two runs never cancel one order twice."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status=S.PENDING_PAYMENT, reserved_until__lte=now)
        .order_by("reserved_until")
        .select_for_update(skip_locked=True)[:limit]
    )
    for order in due:
        _move(order=order, target=S.CANCELLED, actor=None, reason="payment not received in time")
        inventory.reservations_release(reference=order.reservation_reference, expired=True)
    return len(due)
