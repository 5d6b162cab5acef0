"""Demo tracking: three carriers (with demo webhook secrets and status maps), a shipment with
a few carrier events for every shipped demo order, and one paid order shipped in part (so the
order is `fulfilling` and the rest is left to ship).

Service jobs: five service types, the two demo providers (fixtures/demo_users.json) with their
resources around Kaduna and Jos (one blocked for maintenance), and the demo customer's jobs in
several states (offered, accepted, under way, completed and paid, cancelled), each moved
through the job workflow so its history reads as it happened."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.core.demo_mode import demo_secret
from apps.orders.models import Order, OrderStatusHistory
from apps.orders.services import payment_events

from . import jobs, services
from .models import (
    Carrier,
    Job,
    Resource,
    ResourceBlock,
    ServiceProvider,
    ServiceType,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)

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
    _seed_shipments(stdout=stdout)
    _seed_jobs(stdout=stdout)


def _seed_shipments(*, stdout=None) -> None:
    for row in CARRIERS:
        Carrier.objects.get_or_create(
            code=row["code"],
            defaults={**row, "webhook_secret": demo_secret(f"demo-{row['code']}-webhook-secret")},
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


SERVICE_TYPES = [
    ("ploughing", "Ploughing", "hectare", "1.50"),
    ("harrowing", "Harrowing", "hectare", "1.00"),
    ("planting", "Planting", "hectare", "1.25"),
    ("spraying", "Crop spraying", "hectare", "0.50"),
    ("haulage", "Haulage (tractor and trailer)", "trip", "3.00"),
]
# (provider email, resource name, capabilities, rate/h NGN, fee/km NGN, lat, lng)
RESOURCES = [
    ("kaduna.agro@example.com", "Massey Ferguson 375 (with operator)", ["ploughing", "harrowing", "haulage"],
     "18000", "450", "10.526400", "7.438000"),
    ("kaduna.agro@example.com", "John Deere 5075E (with operator)", ["ploughing", "planting"],
     "22000", "500", "10.609000", "7.429000"),
    ("kaduna.agro@example.com", "Spraying crew (4 people)", ["spraying"],
     "9000", "300", "10.480000", "7.500000"),
    ("plateau.hire@example.com", "New Holland TT75 (with operator)", ["ploughing", "harrowing"],
     "17000", "400", "9.896500", "8.858300"),
    ("plateau.hire@example.com", "Tractor and 5 t trailer", ["haulage"],
     "15000", "350", "9.930000", "8.890000"),
]  # fmt: skip
# The demo customer's farms near Kaduna and near Jos.
FARM = (Decimal("10.420000"), Decimal("7.350000"), "Okafor Farms, Kachia Road, Kaduna")
FARM_JOS = (Decimal("9.810000"), Decimal("8.840000"), "Okafor Farms (Plateau), Bukuru Road, Jos")


def _seed_jobs(*, stdout=None) -> None:
    from apps.accounts.models import User

    for code, name, unit, hours in SERVICE_TYPES:
        ServiceType.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "hours_per_unit": Decimal(hours)}
        )
    providers = {}
    for user in User.objects.filter(groups__name="provider").order_by("email"):
        providers[user.email], _ = ServiceProvider.objects.get_or_create(
            user=user, defaults={"business_name": user.company or user.full_name, "phone": user.phone}
        )
    for email, name, capabilities, rate, fee, lat, lng in RESOURCES:
        if email not in providers or Resource.objects.filter(provider=providers[email], name=name).exists():
            continue
        resource = Resource.objects.create(
            provider=providers[email], name=name, rate_per_hour=Decimal(rate), travel_fee_per_km=Decimal(fee),
            currency="NGN", base_lat=Decimal(lat), base_lng=Decimal(lng),
        )  # fmt: skip
        resource.capabilities.set(ServiceType.objects.filter(code__in=capabilities))
    spraying = Resource.objects.filter(name="Spraying crew (4 people)").first()
    if spraying is not None and not spraying.blocks.exists():
        today = timezone.localdate()
        ResourceBlock.objects.create(
            resource=spraying, start_date=today + timedelta(days=20), end_date=today + timedelta(days=24),
            reason="Sprayer maintenance",
        )  # fmt: skip
    customer = User.objects.filter(email="amaka@example.com").first()
    if customer is None or not providers or Job.objects.filter(customer=customer).exists():
        return
    J = Job.Status
    today = timezone.localdate()
    # (service, size, days ahead, the states to walk through after the offer)
    plans = [
        (FARM, "ploughing", "6", 9, []),  # offered, waiting for the provider's answer
        (FARM_JOS, "harrowing", "6", 10, [J.ACCEPTED]),
        (FARM_JOS, "haulage", "2", 1, [J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS]),
        (
            FARM,
            "planting",
            "4",
            2,
            [J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED],
        ),
        (FARM, "spraying", "8", 12, [J.CANCELLED]),
    ]
    made = []
    for farm, code, size, days, steps in plans:
        job = jobs.job_create(
            customer=customer,
            service_type=ServiceType.objects.get(code=code),
            site_address=farm[2],
            site_lat=farm[0],
            site_lng=farm[1],
            size=Decimal(size),
            preferred_date=today + timedelta(days=days),
            currency="NGN",
            notes="Demo job.",
        )
        jobs.job_match(job=job)
        job.refresh_from_db()
        for step in steps:
            if step == J.CANCELLED:
                jobs.job_cancel(job=job, user=customer, reason="Rain forecast: will book again.")
                job.refresh_from_db()
                continue
            worker = job.provider.user if job.provider_id else None
            if step == J.ACCEPTED:
                jobs.job_accept(job=job, user=worker)
            else:
                location = farm[2] if step != J.EN_ROUTE else "Leaving the depot"
                jobs.job_status_change(job=job, user=worker, status=step, location=location)
            job.refresh_from_db()
        if job.status == J.COMPLETED:
            payment = jobs.job_payment_intent(job=job, user=customer)
            payment_events.payment_succeeded(  # what the provider's webhook does
                providers=(payment.provider,),
                reference=payment.reference,
                amount=payment.amount,
                currency=payment.currency,
                source="demo",
            )
        made.append(f"{code} {job.status}")
    if stdout:
        stdout.write(
            f"tracking: {len(SERVICE_TYPES)} service types, {len(providers)} providers, "
            f"{Resource.objects.count()} resources, {len(made)} demo jobs ({', '.join(made)})"
        )
