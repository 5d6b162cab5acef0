"""GDPR: what the RFQ app holds about a person (their RFQs by account or by email) — exported
on request, and anonymised on erasure while the RFQs, quotes and the orders they led to are kept
(for the sales history and accounting)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from apps.accounts.api import User
from apps.core.activity import activity_log_scrub_person

from ..models import RFQ
from ..selectors import rfq_personal_data

PERSONAL_FIELDS = ("full_name", "email", "company", "country", "phone")


def rfq_personal_data_export(*, user: User) -> list[dict]:
    return [
        {
            "number": rfq.number,
            "status": rfq.status,
            "created_at": rfq.created_at.isoformat(),
            "full_name": rfq.full_name,
            "email": rfq.email,
            "company": rfq.company,
            "country": rfq.country,
            "phone": rfq.phone,
            "budget_range": rfq.budget_range,
            "timeline": rfq.timeline,
            "requirements": rfq.requirements,
            "specifications": rfq.specifications,
            "items": [
                {
                    "product": item.product_name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "notes": item.notes,
                }
                for item in rfq.items.all()
            ],
            "quotes": [
                {
                    "version": quote.version,
                    "status": quote.status,
                    "currency": quote.currency,
                    "total": f"{quote.total:.2f}",
                    "valid_until": quote.valid_until.isoformat(),
                    "sent_at": quote.sent_at.isoformat() if quote.sent_at else None,
                    "accepted_at": quote.accepted_at.isoformat() if quote.accepted_at else None,
                    "declined_at": quote.declined_at.isoformat() if quote.declined_at else None,
                    "decline_reason": quote.decline_reason,
                    "lines": [
                        {
                            "sku": line.sku,
                            "description": line.description,
                            "quantity": line.quantity,
                            "unit_price": f"{line.unit_price:.2f}",
                            "line_total": f"{line.line_total:.2f}",
                        }
                        for line in quote.lines.all()
                    ],
                }
                for quote in rfq.quotes.all()
                if quote.status != quote.Status.DRAFT
            ],
        }
        for rfq in rfq_personal_data(user=user)
    ]


@transaction.atomic
def rfq_personal_data_erase(*, user: User) -> int:
    """Anonymise the person's RFQs: contact fields blanked (the email replaced by a placeholder),
    the free text they wrote removed, item notes and a quote's decline reason cleared. Numbers,
    items, quotes and their amounts stay. Returns the number of RFQs anonymised."""
    rfqs = list(rfq_personal_data(user=user).select_for_update())
    now = timezone.now()
    for rfq in rfqs:
        rfq.full_name = "(erased)"
        rfq.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
        rfq.company = ""
        rfq.country = ""
        rfq.phone = ""
        rfq.requirements = ""
        rfq.specifications = {}
        rfq.erased_at = now
        rfq.save(
            update_fields=[*PERSONAL_FIELDS, "requirements", "specifications", "erased_at", "updated_at"]
        )
        rfq.items.update(notes="")
        rfq.quotes.exclude(decline_reason="").update(decline_reason="")
        activity_log_scrub_person(user_id=rfq.pk, entity_type=RFQ._meta.label_lower)
    return len(rfqs)
