"""Demo service jobs: five service types, the two demo providers (fixtures/demo_users.json)
with their resources around Kaduna and Jos (one blocked for maintenance), and the demo
customer's jobs in every state of the job workflow (waiting for a provider after an offer
expired and the next was declined, offered, accepted, on the way, arrived, work started, under
way, completed and paid, cancelled), each moved through the job services so its history reads
as it happened. The jobs' payments go through the offline provider."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.orders import api as orders
from apps.orders.api import payments_through

from . import services as jobs
from .models import Job, JobOffer, Resource, ResourceBlock, ServiceProvider, ServiceType


def seed(*, stdout=None) -> None:
    with payments_through("offline"):  # the jobs' payments never reach a real provider
        _seed_jobs(stdout=stdout)


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


J = Job.Status
EXPIRE, DECLINE = "expire", "decline"  # the offer goes unanswered / the provider declines it
WORK = [J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED]
# (farm, service, size, days ahead, what happens after the first offer), in this order.
JOB_PLANS = [
    (FARM, "ploughing", "6", 9, []),  # offered, waiting for the provider's answer
    (FARM_JOS, "harrowing", "6", 10, WORK[:1]),
    (FARM_JOS, "haulage", "2", 1, WORK[:5]),  # under way
    (FARM, "planting", "4", 2, WORK),  # completed, then paid
    (FARM, "spraying", "8", 12, [J.CANCELLED]),
    # The nearest tractor never answers, the next one's provider declines: no one is left within
    # reach, so the job waits for staff (SENT, flagged).
    (FARM, "ploughing", "10", 14, [EXPIRE, DECLINE]),
    (FARM, "planting", "3", 0, WORK[:2]),  # on the way
    (FARM_JOS, "ploughing", "3", 0, WORK[:3]),  # arrived
    (FARM, "haulage", "1", 0, WORK[:4]),  # work started
]


def _offer_unanswered(job: Job) -> None:
    """The offer goes unanswered past JOB_OFFER_TTL_HOURS: the demo cannot wait, so the open
    offer is dated back that far, and the expiry service (what the beat task runs) moves the
    job on to the next candidate."""
    offered_at = timezone.now() - timedelta(hours=settings.JOB_OFFER_TTL_HOURS + 1)
    JobOffer.objects.filter(job=job, status=JobOffer.Status.OFFERED).update(
        created_at=offered_at, updated_at=offered_at
    )
    jobs.job_expire_offer(job=job)


def _seed_jobs(*, stdout=None) -> None:
    from apps.accounts.api import User

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
    today = timezone.localdate()
    made = []
    for farm, code, size, days, steps in JOB_PLANS:
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
            worker = job.provider.user if job.provider is not None else None
            if step == J.CANCELLED:
                jobs.job_cancel(job=job, user=customer, reason="Rain forecast: will book again.")
            elif step == EXPIRE:
                _offer_unanswered(job)
            elif worker is None:
                raise RuntimeError(f"Demo job step {step} needs the job's provider.")
            elif step == DECLINE:
                jobs.job_decline(job=job, user=worker, reason="Both tractors are in the workshop that week.")
            elif step == J.ACCEPTED:
                jobs.job_accept(job=job, user=worker)
            else:
                location = farm[2] if step != J.EN_ROUTE else "Leaving the depot"
                jobs.job_status_change(job=job, user=worker, status=step, location=location)
            job.refresh_from_db()
        if job.status == J.COMPLETED:
            payment = jobs.job_payment_intent(job=job, user=customer)
            orders.payment_succeeded_apply(  # what the provider's webhook does
                providers=(payment.provider,),
                reference=payment.reference,
                amount=payment.amount,
                currency=payment.currency,
                source="demo",
            )
            # What orders' payment_succeeded event does after commit, now, whether or not the
            # seed runs inside a transaction (the event then finds the job paid: no change).
            jobs.job_payment_succeeded(payment_id=payment.pk, source="demo")
        made.append(f"{code} {job.status}")
    if stdout:
        stdout.write(
            f"jobs: {len(SERVICE_TYPES)} service types, {len(providers)} providers, "
            f"{Resource.objects.count()} resources, {len(made)} demo jobs ({', '.join(made)})"
        )
