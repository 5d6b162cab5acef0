"""Demo tracking: three carriers (with demo webhook secrets and status maps), a shipment with
a few carrier events for every shipped demo order, and one paid order shipped in part (so the
order is `fulfilling` and the rest is left to ship)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.orders.models import Order, OrderStatusHistory

from . import services
from .models import Carrier, Shipment, ShipmentEvent, ShipmentLine

CARRIERS = [
    {
        "code": "dhl",
        "name": "DHL Express",
        "tracking_url_template": "https://www.dhl.com/en/express/tracking.html?AWB={tracking_number}",
        "status_map": {"PU": "picked_up", "PL": "in_transit", "WC": "out_for_delivery", "OK": "delivered"},
    },
    {
        "code": "ups",
        "name": "UPS",
        "tracking_url_template": "https://www.ups.com/track?tracknum={tracking_number}",
        "status_map": {
            "P": "picked_up",
            "I": "in_transit",
            "O": "out_for_delivery",
            "D": "delivered",
            "X": "exception",
        },
    },
    {
        "code": "gig",
        "name": "GIG Logistics",
        "tracking_url_template": "https://giglogistics.com/track?waybill={tracking_number}",
        "status_map": {},
    },
]
# Where the demo parcels were scanned (coarse locations only).
ROUTE = [("picked_up", "Houston, TX", 30), ("in_transit", "Memphis, TN", 20), ("in_transit", "Dallas, TX", 8)]


def seed(*, stdout=None) -> None:
    for row in CARRIERS:
        Carrier.objects.get_or_create(
            code=row["code"], defaults={**row, "webhook_secret": f"demo-{row['code']}-webhook-secret"}
        )
    staff = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    dhl, ups = Carrier.objects.get(code="dhl"), Carrier.objects.get(code="ups")
    made = []
    # Orders the orders demo marked shipped by hand: give them the shipment they lacked.
    for order in Order.objects.filter(status=Order.Status.SHIPPED, shipments__isnull=True):
        # Placed two days ago (its history with it), shipped 12 hours later: a timeline that reads.
        placed = timezone.now() - timedelta(hours=48)
        for step, row in enumerate(order.history.order_by("created_at", "id")):
            moved = placed + timedelta(minutes=10 * step)
            OrderStatusHistory.objects.filter(pk=row.pk).update(created_at=moved)
        Order.objects.filter(pk=order.pk).update(created_at=placed, paid_at=placed + timedelta(minutes=10))
        started = placed + timedelta(hours=12)
        shipment = Shipment.objects.create(
            order=order,
            carrier=dhl,
            tracking_number=f"DEMO{order.sequence:08d}",
            status_at=started,
            created_by=staff,
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_line=line, quantity=line.quantity)
            for line in order.lines.all()
        )
        ShipmentEvent.objects.create(
            shipment=shipment,
            to_status="label_created",
            occurred_at=started,
            note="Shipment created.",
            actor=staff,
        )
        for status, location, hours_ago in ROUTE:
            services.shipment_event_record(
                shipment=shipment,
                status=status,
                location=location,
                occurred_at=timezone.now() - timedelta(hours=hours_ago),
                source=ShipmentEvent.Source.CARRIER,
                carrier_status=status,
            )
        made.append(shipment.tracking_code)
    # One paid order shipped in part: the first line now, the rest still to go.
    paid = (
        Order.objects.filter(status=Order.Status.PAID, shipments__isnull=True).order_by("created_at").first()
    )
    if paid is not None and paid.lines.count() > 1:
        first = paid.lines.order_by("created_at", "sku").first()
        shipment = services.shipment_create(
            order=paid,
            carrier=ups,
            tracking_number=f"1ZDEMO{paid.sequence:08d}",
            lines=[{"line": str(first.pk), "quantity": first.quantity}],
            actor=staff,
        )
        made.append(shipment.tracking_code)
    if stdout and made:
        stdout.write(f"tracking: {len(CARRIERS)} carriers, {len(made)} demo shipments ({', '.join(made)})")
