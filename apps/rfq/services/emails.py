"""The RFQ app's emails, queued through the notifications outbox in the caller's transaction
(so nothing is sent for a submission or a quote that was rolled back).

- ``rfq_received``: to the requester, confirming what was asked.
- ``rfq_alert``: to the sales role (and the assignee) on a new RFQ; to the assignee alone when
  an RFQ is assigned to them.
- ``quote_sent``: to the requester, with the lines, the totals and the accept/decline link.

Contexts hold plain JSON values only (the outbox keeps them with the message).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from apps.accounts.api import User
from apps.notifications import api as notifications

from ..models import RFQ, Quote


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def rfq_staff_url(*, rfq: RFQ) -> str:
    return settings.RFQ_STAFF_URL.format(id=rfq.pk, number=rfq.number)


def quote_public_url(*, quote: Quote) -> str:
    return settings.RFQ_QUOTE_URL.format(id=quote.pk, token=quote.token)


def rfq_context(*, rfq: RFQ) -> dict:
    return {
        "rfq": {
            "id": str(rfq.pk),
            "number": rfq.number,
            "full_name": rfq.full_name,
            "email": rfq.email,
            "company": rfq.company,
            "country": rfq.country,
            "phone": rfq.phone,
            "product_category": rfq.product_category.name if rfq.product_category is not None else "",
            "budget_range": rfq.budget_range,
            "timeline": rfq.timeline,
            "requirements": rfq.requirements,
            "from_inquiry": rfq.inquiry_id is not None,
            "items": [
                {
                    "name": item.product_name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "notes": item.notes,
                }
                for item in rfq.items.all()
            ],
        },
        "staff_url": rfq_staff_url(rfq=rfq),
    }


def rfq_submitted_emails_queue(*, rfq: RFQ) -> None:
    """The requester's confirmation and the sales alert (sales role and the assignee, if any)."""
    context = rfq_context(rfq=rfq)
    number = rfq.number
    notifications.email_queue(
        to=rfq.contact_email,
        template="rfq_received",
        context=context,
        subject=f"We received your request for quote {number}",
        related=rfq,
    )
    recipients = set(notifications.role_emails(role="sales"))
    assignee = rfq.assigned_to  # None without a query when unassigned
    if assignee is not None and assignee.is_active:
        recipients.add(assignee.email)
    if recipients:
        notifications.email_queue(
            to=sorted(recipients),
            template="rfq_alert",
            context={**context, "assigned": False},
            subject=f"New RFQ {number} from {rfq.company or rfq.full_name}",
            related=rfq,
            reply_to=[rfq.contact_email],
        )


def rfq_assigned_notify(*, rfq: RFQ, assignee: User) -> None:
    """Tell the new assignee: an email (the alert, worded for an assignment) and an in-app note."""
    notifications.email_queue(
        to=assignee.email,
        template="rfq_alert",
        context={**rfq_context(rfq=rfq), "assigned": True},
        subject=f"RFQ {rfq.number} is assigned to you",
        related=rfq,
        reply_to=[rfq.contact_email],
    )
    notifications.notification_create(
        user=assignee,
        title=f"RFQ {rfq.number} is assigned to you",
        body=f"{rfq.full_name}{f' ({rfq.company})' if rfq.company else ''}: {rfq.items.count()} item(s).",
        link=rfq_staff_url(rfq=rfq),
    )


def quote_context(*, quote: Quote) -> dict:
    rfq, currency = quote.rfq, quote.currency
    assignee = rfq.assigned_to if rfq.assigned_to is not None and rfq.assigned_to.is_active else None
    return {
        "quote": {
            "id": str(quote.pk),
            "version": quote.version,
            "currency": currency,
            "valid_until": quote.valid_until.isoformat(),
            "valid_until_display": quote.valid_until.strftime("%d %B %Y"),
            "notes": quote.notes,
            "lines": [
                {
                    "sku": line.sku,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price, currency),
                    "line_total": _money(line.line_total, currency),
                }
                for line in quote.lines.all()
            ],
            "subtotal": _money(quote.subtotal, currency),
            "shipping": _money(quote.shipping, currency),
            "tax": _money(quote.tax, currency),
            "total": _money(quote.total, currency),
            "has_shipping": quote.shipping > 0,
            "has_tax": quote.tax > 0,
        },
        "rfq": {"number": rfq.number, "full_name": rfq.full_name, "company": rfq.company},
        "quote_url": quote_public_url(quote=quote),
        "sales_contact": (
            {"name": assignee.full_name or assignee.email, "email": assignee.email} if assignee else None
        ),
    }


def quote_sent_email_queue(*, quote: Quote) -> None:
    context = quote_context(quote=quote)
    rfq = quote.rfq
    reply_to = [context["sales_contact"]["email"]] if context["sales_contact"] else None
    notifications.email_queue(
        to=rfq.contact_email,
        template="quote_sent",
        context=context,
        subject=f"Your quote for {rfq.number} (version {quote.version})",
        related=quote,
        reply_to=reply_to,
    )
