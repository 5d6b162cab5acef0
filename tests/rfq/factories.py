"""RFQ test helpers: sellable catalog items with stock, RFQs and quotes made through the
services, and the outbox rows of a template."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.catalog.models import Category
from apps.notifications.models import EmailMessage
from apps.rfq.models import RFQ, Quote
from apps.rfq.services import quotes, rfqs
from tests.orders.factories import ADDRESS_US, sellable  # noqa: F401 (re-exported)

__all__ = ["ADDRESS_US", "item", "rfq_make", "quote_make", "sent_quote", "emails_of"]


def item(sku: str, *, usd: str = "100.00", on_hand: int = 10, category: Category | None = None, **kwargs):
    """A sellable variant (USD price, stock in one warehouse), optionally in a category."""
    variant = sellable(sku, usd=usd, on_hand=on_hand, **kwargs)
    if category is not None:
        variant.product.category = category
        variant.product.save(update_fields=["category"])
    return variant


def rfq_make(*, skus=("RFQ-SKU-1",), quantity: int = 2, customer=None, assigned_to=None, **fields) -> RFQ:
    data = {"full_name": "Ada Buyer", "email": "ada@example.com", "company": "Buyer Ltd", "country": "NG"}
    data.update(fields)
    return rfqs.rfq_create(
        items=[{"sku": sku, "quantity": quantity} for sku in skus],
        customer=customer,
        assigned_to=assigned_to,
        **data,
    )


def quote_make(rfq: RFQ, *, actor=None, lines=None, currency="USD", valid_days: int = 14, **kwargs) -> Quote:
    if lines is None:
        lines = [
            {"sku": i.sku, "quantity": i.quantity, "unit_price": Decimal("80.00")} for i in rfq.items.all()
        ]
    return quotes.quote_create(
        rfq=rfq,
        currency=currency,
        lines=lines,
        valid_until=timezone.now().date() + timedelta(days=valid_days),
        actor=actor,
        **kwargs,
    )


def sent_quote(rfq: RFQ, *, actor=None, **kwargs) -> Quote:
    return quotes.quote_send(quote=quote_make(rfq, actor=actor, **kwargs), actor=actor)


def emails_of(template: str):
    return EmailMessage.objects.filter(template=template).order_by("created_at")
