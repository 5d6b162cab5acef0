"""Demo RFQs: eight across every status, quotes for some, the won one with its order at the
quoted prices; seeding twice changes nothing."""

import pytest

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
    assert RFQ.objects.count() == 8
    assert set(RFQ.objects.values_list("status", flat=True)) == set(RFQ.Status.values)
    assert set(Quote.objects.values_list("status", flat=True)) == {
        "sent",
        "superseded",
        "accepted",
        "declined",
    }
    won = Quote.objects.get(status="accepted")
    order = Order.objects.get(pk=won.order_id)
    assert order.status == "pending_payment" and order.total == won.total
    assert {(line.sku, line.unit_price) for line in order.lines.all()} == {
        (line.sku, line.unit_price) for line in won.lines.all()
    }
    assert RFQ.objects.filter(assigned_to__isnull=False).count() == 7
    rfq_demo.seed()
    assert (RFQ.objects.count(), Quote.objects.count(), Order.objects.count()) == (8, 5, 1)
    assert ledger_differences() == []
