"""Reads of service jobs: who sees which job, and the provider's dashboard (each figure one
query, whatever the number of jobs)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from apps.core.roles import STAFF_ROLES, has_role
from apps.orders.api import Payment

from .models import Job, JobEvent, JobOffer, ServiceProvider, ServiceType
from .payments import all_job_payments

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

J = Job.Status
ONGOING_STATES = (J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS)


def job_base() -> QuerySet[Job]:
    return Job.objects.select_related("service_type", "resource", "provider", "customer")


def job_list(*, user: AnyUser) -> QuerySet[Job]:
    """Staff see every job; anyone else the jobs they asked for and those offered or assigned
    to them as a provider."""
    qs = job_base()
    if has_role(user, *STAFF_ROLES):
        return qs
    return qs.filter(Q(customer=user) | Q(provider__user=user))


def job_for_caller(*, user: AnyUser, job_id: UUID | str) -> Job | None:
    return job_list(user=user).filter(pk=job_id).first()


def job_detail(*, job_id: UUID | str) -> Job | None:
    events = JobEvent.objects.select_related("actor").order_by("occurred_at", "recorded_at", "id")
    return job_base().prefetch_related(Prefetch("events", queryset=events)).filter(pk=job_id).first()


def service_types() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(is_active=True).order_by("name")


# --- The provider's dashboard -------------------------------------------------------------------


def provider_jobs(*, provider: ServiceProvider) -> QuerySet[Job]:
    return job_base().filter(provider=provider)


def _month_start(now):
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _earned(provider: ServiceProvider) -> QuerySet:
    """Money taken for the provider's jobs, net of refunds."""
    return all_job_payments().filter(
        subject_id__in=Job.objects.filter(provider=provider).values("pk"),
        status__in=(Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED),
    )


def provider_summary(*, provider: ServiceProvider) -> dict:
    """Counts of the provider's jobs by status (one query) and this month's earnings per
    currency (one query)."""
    counts = dict(provider_jobs(provider=provider).order_by().values_list("status").annotate(n=Count("pk")))
    since = _month_start(timezone.now())
    earnings = (
        _earned(provider)
        .filter(succeeded_at__gte=since)
        .order_by("currency")
        .values("currency")
        .annotate(amount=Sum(F("amount_captured") - F("amount_refunded")), payments=Count("pk"))
    )
    return {
        "provider": provider,
        "counts": {status: counts.get(status, 0) for status in J.values},
        "pending_offers": counts.get(J.RECEIVED, 0),
        "month_start": since.date(),
        "earnings_this_month": list(earnings),
    }


def provider_ongoing(*, provider: ServiceProvider) -> QuerySet[Job]:
    return (
        provider_jobs(provider=provider)
        .filter(status__in=ONGOING_STATES)
        .order_by("preferred_date", "status_at")
    )


def provider_upcoming(*, provider: ServiceProvider) -> QuerySet[Job]:
    return (
        provider_jobs(provider=provider)
        .filter(status=J.ACCEPTED, preferred_date__gte=timezone.localdate())
        .order_by("preferred_date", "accepted_at")
    )


def provider_job_requests(*, provider: ServiceProvider) -> QuerySet[Job]:
    """Offers waiting for the provider's answer, oldest first, with the offer's time."""
    open_offer = JobOffer.objects.filter(status=JobOffer.Status.OFFERED).select_related("resource")
    return (
        provider_jobs(provider=provider)
        .filter(status=J.RECEIVED)
        .prefetch_related(Prefetch("offers", queryset=open_offer, to_attr="open_offers"))
        .order_by("status_at")
    )


def provider_earnings_by_week(*, provider: ServiceProvider, weeks: int) -> list[dict]:
    """Net money taken per ISO week (Monday) and currency over the last ``weeks`` weeks, one
    query; weeks with nothing are listed with zero, so a chart needs no gaps filled."""
    today = timezone.localdate()
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = (
        _earned(provider)
        .filter(succeeded_at__date__gte=first_monday)
        .annotate(week=TruncWeek("succeeded_at"))
        .order_by()
        .values("week", "currency")
        .annotate(amount=Sum(F("amount_captured") - F("amount_refunded")), payments=Count("pk"))
    )
    found = {}
    currencies = set()
    for row in rows:
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        found[(week, row["currency"])] = row
        currencies.add(row["currency"])
    result = []
    for i in range(weeks):
        week = first_monday + timedelta(weeks=i)
        for currency in sorted(currencies):
            row = found.get((week, currency))
            result.append(
                {
                    "week": week,
                    "currency": currency,
                    "amount": row["amount"] if row else 0,
                    "payments": row["payments"] if row else 0,
                }
            )
    return result
