"""Service-job test helpers: service types, providers with resources placed on the map, and
jobs at a site (created through the service, so matching runs as in production)."""

import math
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.jobs import services as jobs
from apps.jobs.models import Job, JobEvent, Resource, ResourceBlock, ServiceProvider, ServiceType
from tests.accounts.factories import UserFactory

# A site near Abuja and resources at known distances from it (about 111 km per degree of latitude).
SITE = (Decimal("9.000000"), Decimal("7.000000"))


def service_type(code="ploughing", **kwargs) -> ServiceType:
    defaults = {"name": code.replace("-", " ").title(), "unit": "hectare", "hours_per_unit": Decimal("1.50")}
    obj, _ = ServiceType.objects.get_or_create(code=code, defaults={**defaults, **kwargs})
    return obj


def provider(name="Green Acres", *, user=None) -> ServiceProvider:
    user = user or UserFactory(roles=["provider"])
    return ServiceProvider.objects.create(user=user, business_name=name)


def resource(
    owner: ServiceProvider | None = None,
    *,
    name="Tractor 1",
    km_north: float = 10.0,
    capabilities=("ploughing",),
    rate="50.00",
    fee="2.00",
    currency="USD",
    blocked: tuple[date, date] | None = None,
) -> Resource:
    """A resource ``km_north`` km due north of SITE (so its distance is known)."""
    owner = owner or provider(f"{name} Co")
    lat = SITE[0] + Decimal(str(round(km_north / 111.19508, 6)))
    res = Resource.objects.create(
        provider=owner,
        name=name,
        rate_per_hour=Decimal(rate),
        travel_fee_per_km=Decimal(fee),
        currency=currency,
        base_lat=lat,
        base_lng=SITE[1],
    )
    res.capabilities.set([service_type(code) for code in capabilities])
    if blocked:
        ResourceBlock.objects.create(
            resource=res, start_date=blocked[0], end_date=blocked[1], reason="service"
        )
    return res


def job_for(customer=None, *, code="ploughing", size="4", when: date | None = None, site=None, **kwargs):
    customer = customer or UserFactory(roles=["customer"])
    site = site or SITE
    return jobs.job_create(
        customer=customer,
        service_type=service_type(code),
        site_address="Plot 7, Kuje Road",
        site_lat=Decimal(str(round(float(site[0]), 6))),
        site_lng=Decimal(str(round(float(site[1]), 6))),
        size=Decimal(size),
        preferred_date=when or timezone.localdate() + timedelta(days=3),
        **kwargs,
    )


# --- Added for the service-job suites ---------------------------------------------------------

J = Job.Status
WORK_LINE = (J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED)
EARTH_RADIUS_KM = 6371.0088


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def resource_at(
    lat,
    lng,
    owner: ServiceProvider | None = None,
    *,
    name: str | None = None,
    capabilities=("ploughing",),
    rate="50.00",
    fee="2.00",
    currency="USD",
) -> Resource:
    """A resource based at (lat, lng) exactly (6 decimals)."""
    name = name or unique("Rig")
    owner = owner or provider(f"{name} Co")
    res = Resource.objects.create(
        provider=owner,
        name=name,
        rate_per_hour=Decimal(rate),
        travel_fee_per_km=Decimal(fee),
        currency=currency,
        base_lat=Decimal(str(round(float(lat), 6))),
        base_lng=Decimal(str(round(float(lng), 6))),
    )
    res.capabilities.set([service_type(code) for code in capabilities])
    return res


def bulk_resources(rows, owner: ServiceProvider, *, code="ploughing", currency="USD") -> list[Resource]:
    """Many resources at once: ``rows`` of (lat, lng, rate), all able to do ``code``."""
    kind = service_type(code)
    created = Resource.objects.bulk_create(
        [
            Resource(
                provider=owner,
                name=f"Bulk {i:04d}",
                rate_per_hour=Decimal(str(rate)),
                travel_fee_per_km=Decimal("1.00"),
                currency=currency,
                base_lat=Decimal(str(round(float(lat), 6))),
                base_lng=Decimal(str(round(float(lng), 6))),
            )
            for i, (lat, lng, rate) in enumerate(rows)
        ]
    )
    through = Resource.capabilities.through
    through.objects.bulk_create([through(resource_id=r.pk, servicetype_id=kind.pk) for r in created])
    return created


def destination(lat: float, lng: float, bearing_deg: float, distance_km: float) -> tuple[float, float]:
    """The point ``distance_km`` from (lat, lng) along ``bearing_deg`` on the sphere (longitude
    normalised to [-180, 180])."""
    phi1, lmb1 = math.radians(lat), math.radians(lng)
    theta, delta = math.radians(bearing_deg), distance_km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    lng2 = (math.degrees(lmb2) + 540) % 360 - 180
    return math.degrees(phi2), lng2


def great_circle_km(lat1, lng1, lat2, lng2) -> float:
    """An independent haversine (the tests' reference, not the app's)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def advance(job: Job, state: str, *, user=None) -> Job:
    """Move an offered (RECEIVED) or accepted job along the main line up to ``state`` through
    the services, as its provider (or ``user``)."""
    job.refresh_from_db()
    user = user or job.provider.user
    start = WORK_LINE.index(job.status) + 1 if job.status in WORK_LINE else 0
    for step in WORK_LINE[start : WORK_LINE.index(state) + 1]:
        jobs.job_status_change(job=job, user=user, status=step)
    job.refresh_from_db()
    return job


def job_in(
    state: str, *, customer=None, res: Resource | None = None, when: date | None = None, **kwargs
) -> Job:
    """A job in ``state``, got there through the services (matched to ``res``, or to a new
    resource 10 km from the site when there is none)."""
    if res is None:
        res = resource(name=unique("Tractor"))
    job = job_for(customer, when=when, **kwargs)
    if state == J.SENT:
        return job
    jobs.job_match(job=job)
    job.refresh_from_db()
    assert job.status == J.RECEIVED, f"no resource took the job ({job.status})"
    if state == J.CANCELLED:
        jobs.job_cancel(job=job, user=job.customer)
    elif state != J.RECEIVED:
        advance(job, state)
    job.refresh_from_db()
    return job


def events_of(job: Job) -> list[tuple[str, str]]:
    return list(JobEvent.objects.filter(job=job).values_list("from_status", "to_status"))
