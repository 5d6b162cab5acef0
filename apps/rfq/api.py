"""The RFQ app's public surface for other apps (leads converts an inquiry into an RFQ).

Owns: requests for quotation (``RFQ``, items, status history) and their quotes.

Offers: ``rfq_create`` (below), ``rfq_for_inquiry``, ``rfq_search`` and ``may_search`` (the
unified search), and for reports ``RFQ``, ``RFQFilter`` and ``rfqs_visible``.

Events: emits none.

``rfq_create(*, full_name, email, items, company="", country="", phone="", customer=None,
inquiry=None, budget_range="", timeline="", requirements="", specifications=None, actor=None,
product_category=None, assigned_to=None) -> RFQ``

items: ``[{"product": slug} or {"sku": sku}, "quantity": int, "notes": str]``. Validates
(``django.core.exceptions.ValidationError`` with dotted attrs such as ``items.0.quantity``),
numbers (RFQ-2026-000123), stores, and queues the requester's confirmation and the sales alert
through the notifications outbox, in the caller's transaction. With ``inquiry`` (a leads
inquiry, or its id, kept as ``RFQ.inquiry_id``) the item list may be empty.
"""

from uuid import UUID

from .filters import RFQFilter
from .models import RFQ
from .selectors import may_search, rfq_search, rfqs_visible
from .services.rfqs import rfq_create


def rfq_for_inquiry(*, inquiry_id: UUID | str) -> RFQ | None:
    """The RFQ opened from this inquiry (the latest one), if any."""
    return RFQ.objects.filter(inquiry_id=inquiry_id).order_by("-created_at").first()


__all__ = [
    "may_search",
    "RFQ",
    "rfq_create",
    "rfq_for_inquiry",
    "rfq_search",
    "RFQFilter",
    "rfqs_visible",
]
