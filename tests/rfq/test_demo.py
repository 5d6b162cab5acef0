"""Demo RFQs: eleven across every status, quotes in every status (a draft, an expired one, one
withdrawn with its cancelled RFQ), the won one with its order at the quoted prices; seeding twice
changes nothing."""

import pytest
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.inventory.selectors import ledger_differences
from apps.orders.models import Order
from apps.rfq import demo as rfq_demo
from apps.rfq.models import RFQ, Quote

pytestmark = pytest.mark.django_db


def test_demo_rfqs_cover_every_status_and_are_seeded_once():
    for module in (accounts_demo, catalog_demo, inventory_demo, rfq_demo):
        module.seed()
    assert RFQ.objects.count() == 11
    assert set(RFQ.objects.values_list("status", flat=True)) == set(RFQ.Status.values)
    assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
    won = Quote.objects.get(status="accepted")
    order = Order.objects.get(pk=won.order_id)
    assert order.status == "pending_payment" and order.total == won.total
    assert {(line.sku, line.unit_price) for line in order.lines.all()} == {
        (line.sku, line.unit_price) for line in won.lines.all()
    }
    # The quote not sent yet, the one whose validity ran out, the one of a request closed.
    assert Quote.objects.get(status="draft").rfq.status == "pending"
    expired = Quote.objects.get(status="expired")
    assert expired.rfq.status == "quoted" and expired.valid_until < timezone.now().date()
    assert expired.sent_at >= expired.rfq.created_at
    assert Quote.objects.get(status="withdrawn").rfq.status == "cancelled"
    assert RFQ.objects.filter(assigned_to__isnull=False).count() == 10
    rfq_demo.seed()
    assert (RFQ.objects.count(), Quote.objects.count(), Order.objects.count()) == (11, 8, 1)
    assert ledger_differences() == []
