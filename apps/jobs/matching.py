"""Which resource should a job be offered to: the nearest available one that can do it.

A candidate is an active resource of an active provider that has the job's service type among
its capabilities, charges in the job's currency, lies within JOB_MATCH_RADIUS_KM of the site,
is not blocked on the job's preferred date, is not already booked (an accepted or running job)
that day, and has not been offered this job before (a decline is final for that job).

The distance is the great-circle (haversine) distance between the resource's base and the
site. A bounding box around the site (the radius in degrees of latitude and, scaled by the
latitude, of longitude) is filtered first on the (base_lat, base_lng) index, so only nearby
rows are measured. On PostgreSQL the haversine formula runs in SQL and the database sorts and
cuts; elsewhere (SQLite, the embedded default) the box's rows are measured in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt

from .models import Job, JobOffer, Resource, ResourceBlock

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180  # ≈ 111.2
J = Job.Status
BOOKED_STATES = (J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS)


@dataclass(frozen=True)
class Candidate:
    resource_id: UUID
    provider_id: UUID
    name: str
    distance_km: Decimal  # to 0.01 km
    rate_per_hour: Decimal
    travel_fee_per_km: Decimal
    currency: str


def km(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lng: float, radius_km: float) -> Q:
    """Rows whose base may be within ``radius_km``: a box of latitude (always) and longitude
    (unless the box reaches a pole or crosses the antimeridian, where every longitude counts)."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    box = Q(
        base_lat__gte=Decimal(str(round(lat - dlat, 6))), base_lat__lte=Decimal(str(round(lat + dlat, 6)))
    )
    if abs(lat) + dlat >= 90:
        return box
    dlng = dlat / math.cos(math.radians(abs(lat) + dlat))  # widest at the box's pole-ward edge
    if lng - dlng < -180 or lng + dlng > 180:
        return box
    return box & Q(
        base_lng__gte=Decimal(str(round(lng - dlng, 6))), base_lng__lte=Decimal(str(round(lng + dlng, 6)))
    )


def available_resources(
    *, service_type_id, currency: str, on: date, exclude_job: Job | None = None
) -> QuerySet[Resource]:
    """Resources that could take a job of this type, in this currency, on ``on`` (the
    distance aside)."""
    blocked = ResourceBlock.objects.filter(resource=OuterRef("pk"), start_date__lte=on, end_date__gte=on)
    booked = Job.objects.filter(resource=OuterRef("pk"), preferred_date=on, status__in=BOOKED_STATES)
    qs = Resource.objects.filter(
        is_active=True,
        provider__is_active=True,
        capabilities=service_type_id,
        currency=currency,
    ).filter(~Exists(blocked))
    if exclude_job is not None:
        booked = booked.exclude(pk=exclude_job.pk)
        qs = qs.filter(~Exists(JobOffer.objects.filter(job=exclude_job, resource=OuterRef("pk"))))
    return qs.filter(~Exists(booked))


def _haversine_sql(lat: float, lng: float):
    """The haversine distance (km) from (lat, lng) to the resource's base, as SQL."""
    base_lat = Radians(Cast(F("base_lat"), FloatField()))
    base_lng = Radians(Cast(F("base_lng"), FloatField()))
    site_lat, site_lng = math.radians(lat), math.radians(lng)
    h = Power(Sin((base_lat - site_lat) / 2), 2) + math.cos(site_lat) * Cos(base_lat) * Power(
        Sin((base_lng - site_lng) / 2), 2
    )
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(h))


FIELDS = ("pk", "provider_id", "name", "rate_per_hour", "travel_fee_per_km", "currency")


def match_candidates(job: Job, *, limit: int = 10, radius_km: float | None = None) -> list[Candidate]:
    """The ``limit`` best candidates for ``job``, nearest first (then the cheaper rate)."""
    radius = float(radius_km if radius_km is not None else settings.JOB_MATCH_RADIUS_KM)
    lat, lng = float(job.site_lat), float(job.site_lng)
    qs = available_resources(
        service_type_id=job.service_type_id,
        currency=job.currency,
        on=job.preferred_date,
        exclude_job=job if job.pk else None,
    ).filter(bounding_box(lat, lng, radius))
    if connection.vendor == "postgresql":
        rows = (
            qs.annotate(distance=_haversine_sql(lat, lng))
            .filter(distance__lte=radius)
            .order_by("distance", "rate_per_hour", "pk")
            .values_list(*FIELDS, "distance")[:limit]
        )
    else:
        measured = (
            (*row, haversine_km(lat, lng, float(base_lat), float(base_lng)))
            for *row, base_lat, base_lng in qs.values_list(*FIELDS, "base_lat", "base_lng")
        )
        rows = sorted((r for r in measured if r[-1] <= radius), key=lambda r: (r[-1], r[3], str(r[0])))[
            :limit
        ]
    return [
        Candidate(
            resource_id=pk,
            provider_id=provider_id,
            name=name,
            distance_km=km(distance),
            rate_per_hour=rate,
            travel_fee_per_km=fee,
            currency=currency,
        )
        for pk, provider_id, name, rate, fee, currency, distance in rows
    ]


def distance_to(job: Job, resource: Resource) -> Decimal:
    return km(
        haversine_km(
            float(job.site_lat), float(job.site_lng), float(resource.base_lat), float(resource.base_lng)
        )
    )
