"""Service-job test helpers: service types, providers with resources placed on the map, and
jobs at a site (created through the service, so matching runs as in production)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.tracking import jobs
from apps.tracking.models import Resource, ResourceBlock, ServiceProvider, ServiceType
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
        ResourceBlock.objects.create(resource=res, start_date=blocked[0], end_date=blocked[1], reason="service")
    return res


def job_for(customer=None, *, code="ploughing", size="4", when: date | None = None, **kwargs):
    customer = customer or UserFactory(roles=["customer"])
    return jobs.job_create(
        customer=customer,
        service_type=service_type(code),
        site_address="Plot 7, Kuje Road",
        site_lat=SITE[0],
        site_lng=SITE[1],
        size=Decimal(size),
        preferred_date=when or timezone.localdate() + timedelta(days=3),
        **kwargs,
    )
