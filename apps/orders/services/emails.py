"""The customer's and finance's emails about orders, through the notifications outbox (queued in
the caller's transaction: an order that rolls back sends nothing)."""

from __future__ import annotations

from django.conf import settings

from apps.core.roles import FINANCE
from apps.notifications import api as notifications

from ..models import Order, OrderLine, Payment, ReconciliationRun


def _money(amount) -> str:
    return f"{amount:.2f}"


def _order_url(order: Order) -> str:
    return f"{settings.FRONTEND_URL}/orders/{order.number}"


def _customer_name(order: Order) -> str:
    customer = order.customer  # None without a query for a guest order
    if customer is not None and customer.full_name:
        return customer.full_name
    return (order.shipping_address or {}).get("name", "")


def order_confirmation_queue(*, order: Order, lines: list[OrderLine]) -> None:
    from ..api import order_summary

    notifications.email_queue(
        to=order.email,
        template="order_confirmation",
        context={
            "order": order_summary(order=order),
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price),
                    "line_total": _money(line.line_total),
                }
                for line in lines
            ],
            "customer_name": _customer_name(order),
            "shipping_address": order.shipping_address or None,
            "order_url": _order_url(order),
            "payment_pending": order.status == Order.Status.PENDING_PAYMENT,
        },
        related=order,
        render_at_send=True,  # checkout is a hot public path: the worker renders it
    )


def payment_received_queue(*, order: Order, payment: Payment) -> None:
    from ..api import order_summary

    notifications.email_queue(
        to=order.email,
        template="payment_received",
        context={
            "order": order_summary(order=order),
            "payment": {
                "amount": _money(payment.amount_captured or payment.amount),
                "currency": payment.currency,
                "provider": payment.provider,
                "reference": payment.reference,
                "paid_at": payment.succeeded_at.isoformat() if payment.succeeded_at else None,
            },
            "customer_name": _customer_name(order),
            "order_url": _order_url(order),
        },
        related=payment,
    )


def reconciliation_report_queue(*, run: ReconciliationRun, counts: list[dict]) -> None:
    """One email to each member of finance."""
    context = {
        "run": {
            "provider": run.provider,
            "since": run.since.isoformat(),
            "issue_count": run.issue_count,
            "applied_count": run.applied_count,
            "provider_count": run.provider_count,
            "local_count": run.local_count,
        },
        "counts": counts,
    }
    for email in notifications.role_emails(role=FINANCE):
        notifications.email_queue(to=email, template="reconciliation_report", context=context, related=run)
