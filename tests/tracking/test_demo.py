"""Demo tracking: carriers, a shipment with carrier events for the shipped demo order, a paid
order shipped in part; seeding twice changes nothing."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.orders import demo as orders_demo
from apps.orders.models import Order
from apps.tracking import demo as tracking_demo
from apps.tracking.models import Carrier, Shipment

pytestmark = pytest.mark.django_db


def test_demo_shipments_seeded_once(api_client):
    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo, tracking_demo):
        module.seed()
    assert Carrier.objects.count() == 3
    shipped = Shipment.objects.get(order__status=Order.Status.SHIPPED)
    assert shipped.status == "in_transit" and shipped.events.count() == 4
    partial = Shipment.objects.get(order__status=Order.Status.FULFILLING)
    assert partial.lines.count() < partial.order.lines.count()
    tracking_demo.seed()
    assert Shipment.objects.count() == 2 and Carrier.objects.count() == 3
    public = api_client.get(f"/api/v1/track/{shipped.tracking_code}").json()
    assert [e["location"] for e in public["events"]][-1] == "Dallas, TX"
    # The order's own history comes first in its timeline: placed, paid, then shipped.
    from apps.tracking.selectors import order_timeline

    kinds = [entry["kind"] for entry in order_timeline(shipped.order)["timeline"]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "order")  # every order step first


def test_demo_jobs_seeded_once_in_several_states():
    from apps.tracking.models import Job, Resource, ServiceProvider
    from apps.tracking.workflows import JOB

    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo, tracking_demo):
        module.seed()
    assert ServiceProvider.objects.count() == 2
    assert all(p.resources.exists() for p in ServiceProvider.objects.all())
    assert Resource.objects.filter(blocks__isnull=False).exists()  # an availability calendar
    states = dict(Job.objects.values_list("service_type__code", "status"))
    assert states == {
        "ploughing": "RECEIVED",
        "harrowing": "ACCEPTED",
        "haulage": "IN_PROGRESS",
        "planting": "COMPLETED",
        "spraying": "CANCELLED",
    }
    assert Job.objects.filter(status="ACCEPTED").values_list("provider__business_name", flat=True).get() == (
        "Plateau Tractor Hire"
    )
    completed = Job.objects.get(status="COMPLETED")
    assert completed.paid_at is not None and completed.payments.get().status == "succeeded"
    for job in Job.objects.all():  # every history walks the workflow, one step at a time
        steps = list(job.events.values_list("from_status", "to_status"))
        assert steps[0] == ("", "SENT") and steps[-1][1] == job.status
        assert all((a, b) in JOB.pairs() for a, b in steps[1:])
    tracking_demo.seed()
    assert Job.objects.count() == 5 and Resource.objects.count() == 5
