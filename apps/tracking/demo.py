"""Demo tracking: three carriers (with demo webhook secrets and status maps), and shipments
that walk every state of the shipment workflow, their scans posted through the carriers' own
signed webhook (``services.carrier_webhook_receive``), as a carrier would:

- Amaka's order the orders demo marked shipped by hand gets the shipment it lacked (in transit);
  her first paid order is shipped in part (label created: the order is ``fulfilling``);
- Jordan's paid orders, oldest first, are shipped whole (``services.shipment_create``) and end
  as ``SHIPPING_PLAN`` says: delivered (the order ``delivered``), delivered then returned by the
  customer (the order ``returned`` through the staff transition), held after an exception, out
  for delivery, picked up, returned to the sender. His newest paid order is left to pack."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.api import User
from apps.core.demo_mode import demo_secret
from apps.orders import api as orders
from apps.orders.api import Order, OrderStatusHistory

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
AMAKA, JORDAN = "amaka@example.com", "jordan@example.com"
# Where the demo parcels were scanned (coarse locations only): (status, location, hours ago).
ROUTE = [("picked_up", "Houston, TX", 30), ("in_transit", "Memphis, TN", 20), ("in_transit", "Dallas, TX", 8)]
S = Shipment.Status
# Jordan's paid orders, oldest first: (carrier, the scans after the label, the order returned?).
# A scan is (status, location, note).
TO_AUSTIN = [(S.PICKED_UP, "Houston, TX", ""), (S.IN_TRANSIT, "Austin, TX", "")]
DELIVERED = [
    *TO_AUSTIN,
    (S.OUT_FOR_DELIVERY, "Austin, TX", ""),
    (S.DELIVERED, "Austin, TX", "Signed: J MILLER"),
]
SHIPPING_PLAN = [
    ("ups", DELIVERED, False),
    ("dhl", DELIVERED, True),
    ("ups", [*TO_AUSTIN, (S.EXCEPTION, "Austin, TX", "Address incomplete: held at the depot.")], False),
    ("dhl", [*TO_AUSTIN, (S.OUT_FOR_DELIVERY, "Austin, TX", "")], False),
    ("gig", TO_AUSTIN[:1], False),
    (
        "ups",
        [*TO_AUSTIN, (S.EXCEPTION, "Austin, TX", "Delivery refused."),
         (S.RETURNED, "Houston, TX", "Returned to the sender.")],
        False,
    ),
]  # fmt: skip
RETURN_REASON = "Returned by the customer within the return window: not what the site needed."


def seed(*, stdout=None) -> None:
    _seed_shipments(stdout=stdout)


def _scan(shipment: Shipment, status: str, *, location: str, note: str = "", occurred_at=None) -> None:
    """A carrier's scan, as its webhook posts it: signed with the carrier's secret, in the
    carrier's own status code where its status map has one."""
    carrier = shipment.carrier
    codes = {ours: theirs for theirs, ours in (carrier.status_map or {}).items()}
    number = shipment.events.count()
    body = json.dumps(
        {
            "event_id": f"demo-{shipment.tracking_number}-{number}",
            "tracking_number": shipment.tracking_number,
            "status": codes.get(status, status),
            "occurred_at": (occurred_at or timezone.now()).isoformat(),
            "location": location,
            "note": note,
        }
    ).encode()
    services.carrier_webhook_receive(
        carrier_code=carrier.code,
        body=body,
        signature=services.signature_for(secret=carrier.webhook_secret, body=body),
    )


def _seed_shipments(*, stdout=None) -> None:
    for row in CARRIERS:
        Carrier.objects.get_or_create(
            code=row["code"],
            defaults={**row, "webhook_secret": demo_secret(f"demo-{row['code']}-webhook-secret")},
        )
    staff = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    carriers = {carrier.code: carrier for carrier in Carrier.objects.all()}
    dhl, ups = carriers["dhl"], carriers["ups"]
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
            scanned = timezone.now() - timedelta(hours=hours_ago)
            _scan(shipment, status, location=location, occurred_at=scanned)
        made.append(shipment.tracking_code)
    # Amaka's paid order shipped in part: the first line now, the rest still to go.
    paid = (
        Order.objects.filter(customer__email=AMAKA, status=Order.Status.PAID, shipments__isnull=True)
        .order_by("created_at")
        .first()
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
    # Jordan's paid orders, shipped whole, each to its end (once: none of his has a shipment yet).
    if not Shipment.objects.filter(order__customer__email=JORDAN).exists():
        paid = Order.objects.filter(customer__email=JORDAN, status=Order.Status.PAID).order_by("sequence")
        for order, (code, scans, returned) in zip(paid, SHIPPING_PLAN, strict=False):
            shipment = services.shipment_create(
                order=order,
                carrier=carriers[code],
                tracking_number=f"{code.upper()}DEMO{order.sequence:08d}",
                actor=staff,
            )
            for status, location, note in scans:
                _scan(shipment, status, location=location, note=note)
            if returned:
                orders.order_transition(
                    order=order, target=Order.Status.RETURNED, actor=staff, reason=RETURN_REASON
                )
            made.append(shipment.tracking_code)
    if stdout and made:
        stdout.write(f"tracking: {len(CARRIERS)} carriers, {len(made)} demo shipments ({', '.join(made)})")
