"""Demo tracking: carriers, a shipment with carrier events for Amaka's shipped order, her paid
order shipped in part, Jordan's paid orders shipped to every end of the shipment workflow (the
carriers' scans through their signed webhooks); seeding twice changes nothing."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.inventory.selectors import ledger_differences
from apps.orders import demo as orders_demo
from apps.orders.models import Order
from apps.tracking import demo as tracking_demo
from apps.tracking.models import Carrier, Shipment

pytestmark = pytest.mark.django_db


def test_demo_shipments_seeded_once(api_client):
    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo, tracking_demo):
        module.seed()
    assert Carrier.objects.count() == 3
    amaka = Shipment.objects.filter(order__customer__email="amaka@example.com")
    shipped = amaka.get(order__status=Order.Status.SHIPPED)
    assert shipped.status == "in_transit" and shipped.events.count() == 4
    partial = Shipment.objects.get(order__status=Order.Status.FULFILLING)
    assert partial.lines.count() < partial.order.lines.count()
    # Jordan's paid orders, oldest first, each shipped whole to its end; his newest still to pack.
    assert len(tracking_demo.SHIPPING_PLAN) == orders_demo.SHIPPED_BY_TRACKING
    jordan = Shipment.objects.filter(order__customer__email="jordan@example.com").order_by("order__sequence")
    assert [(s.status, s.order.status) for s in jordan] == [
        ("delivered", "delivered"),
        ("delivered", "returned"),  # returned by the customer after delivery
        ("exception", "shipped"),
        ("out_for_delivery", "shipped"),
        ("picked_up", "shipped"),
        ("returned", "shipped"),  # back to the sender
    ]
    assert all(s.lines.count() == s.order.lines.count() for s in jordan)
    assert not Order.objects.get(customer__email="jordan@example.com", status="paid").shipments.exists()
    scans = [e for s in jordan for e in s.events.all() if e.to_status != "label_created"]
    assert all(e.source == "carrier" and e.external_id and e.carrier_id for e in scans)  # their webhooks
    tracking_demo.seed()
    assert Shipment.objects.count() == 8 and Carrier.objects.count() == 3
    assert ledger_differences() == []
    public = api_client.get(f"/api/v1/track/{shipped.tracking_code}").json()
    assert [e["location"] for e in public["events"]][-1] == "Dallas, TX"
    # The order's own history comes first in its timeline: placed, paid, then shipped.
    from apps.tracking.selectors import order_timeline

    kinds = [entry["kind"] for entry in order_timeline(order=shipped.order)["timeline"]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "order")  # every order step first
