"""The provider's dashboard: the summary (counts, pending offers, this month's net earnings),
ongoing and upcoming jobs, open job requests, earnings per week; who may see it; and a
constant number of queries whatever the number of jobs."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.jobs.models import Job, JobOffer, Resource
from apps.jobs.payments import JOB_SUBJECT
from apps.orders.models import Payment
from tests.helpers import assert_error

from .job_factories import advance, job_in, provider, resource, unique

pytestmark = pytest.mark.django_db

J = Job.Status
ENDPOINTS = ("summary", "ongoing", "upcoming", "earnings", "job-requests")


def _get(client, endpoint, **params):
    return client.get(f"/api/v1/dashboard/provider/{endpoint}", params)


def _ok(client, endpoint, **params):
    response = _get(client, endpoint, **params)
    assert response.status_code == 200, response.content
    return response.json()


class Fleet:
    """A provider with one resource, jobs made for it on distinct dates (one booking a day)."""

    def __init__(self, name="Green Acres"):
        self.provider = provider(name)
        self.resource = resource(self.provider, name=unique(f"{name} tractor"), km_north=5)
        self.days = itertools.count(1)

    def job(self, state, *, days: int | None = None) -> Job:
        others = list(
            Resource.objects.filter(is_active=True).exclude(pk=self.resource.pk).values_list("pk", flat=True)
        )
        Resource.objects.filter(pk__in=others).update(is_active=False)
        try:
            when = timezone.localdate() + timedelta(days=days if days is not None else next(self.days))
            return job_in(state, res=self.resource, when=when, estimated_hours=Decimal("2.00"))
        finally:
            Resource.objects.filter(pk__in=others).update(is_active=True)


def _paid(job, amount, *, days_ago=0, refunded="0.00", currency=None, status=Payment.Status.SUCCEEDED):
    amount = Decimal(amount)
    return Payment.objects.create(
        subject_type=JOB_SUBJECT,
        subject_id=job.pk,
        provider="offline",
        reference=f"pi_{unique('t').split()[1]}",
        amount=amount,
        currency=currency or job.currency,
        status=status,
        amount_captured=amount if status != Payment.Status.PENDING else Decimal("0"),
        amount_refunded=Decimal(refunded),
        succeeded_at=timezone.now() - timedelta(days=days_ago) if status != Payment.Status.PENDING else None,
    )


@pytest.fixture
def fleet():
    return Fleet()


def _ids(rows):
    return [row["id"] for row in rows]


def test_the_lists_show_the_providers_own_jobs_in_the_right_states(auth_client, fleet):
    offered_1, offered_2 = fleet.job(J.RECEIVED, days=30), fleet.job(J.RECEIVED, days=2)
    later = fleet.job(J.ACCEPTED, days=9)
    sooner = fleet.job(J.ACCEPTED, days=4)
    past = fleet.job(J.ACCEPTED, days=6)
    Job.objects.filter(pk=past.pk).update(preferred_date=timezone.localdate() - timedelta(days=1))
    today = fleet.job(J.ACCEPTED, days=0)
    en_route = fleet.job(J.EN_ROUTE, days=11)
    working = fleet.job(J.IN_PROGRESS, days=10)
    arrived = fleet.job(J.ARRIVED, days=12)
    fleet.job(J.COMPLETED)
    fleet.job(J.CANCELLED)
    rival = Fleet("Rival")
    rival.job(J.RECEIVED)
    rival.job(J.ACCEPTED)
    rival.job(J.EN_ROUTE)

    client = auth_client(user=fleet.provider.user)
    ongoing = _ok(client, "ongoing")
    assert ongoing["count"] == 3
    assert _ids(ongoing["results"]) == [str(working.pk), str(en_route.pk), str(arrived.pk)]  # by date
    upcoming = _ok(client, "upcoming")
    assert _ids(upcoming["results"]) == [
        str(today.pk),
        str(sooner.pk),
        str(later.pk),
    ]  # from today, soonest first
    requests = _ok(client, "job-requests")
    assert _ids(requests["results"]) == [str(offered_1.pk), str(offered_2.pk)]  # oldest offer first
    for row, job in zip(requests["results"], (offered_1, offered_2), strict=True):
        offer = JobOffer.objects.get(job=job, status=JobOffer.Status.OFFERED)
        assert row["offered_at"] is not None
        assert row["offered_at"].replace("Z", "+00:00")[:19] == offer.updated_at.isoformat()[:19]
        assert row["resource"]["id"] == str(fleet.resource.pk)
    assert all(
        row["provider"]["id"] == str(fleet.provider.pk) for row in ongoing["results"] + upcoming["results"]
    )


def test_the_summary_counts_jobs_and_nets_this_months_earnings(auth_client, fleet):
    fleet.job(J.RECEIVED)
    fleet.job(J.RECEIVED)
    fleet.job(J.ACCEPTED)
    fleet.job(J.EN_ROUTE)
    done = fleet.job(J.COMPLETED)
    other_done = fleet.job(J.COMPLETED)
    fleet.job(J.CANCELLED)
    _paid(done, "300.00", refunded="50.00")
    _paid(other_done, "100.00", currency="NGN")
    _paid(done, "999.00", status=Payment.Status.PENDING)
    _paid(done, "888.00", status=Payment.Status.FAILED)
    old = _paid(other_done, "70.00", days_ago=70)
    rival = Fleet("Rival")
    _paid(rival.job(J.COMPLETED), "555.00")

    body = _ok(auth_client(user=fleet.provider.user), "summary")
    assert body["provider"] == {"id": str(fleet.provider.pk), "business_name": "Green Acres"}
    assert body["counts"] == {
        J.SENT: 0,
        J.RECEIVED: 2,
        J.ACCEPTED: 1,
        J.EN_ROUTE: 1,
        J.ARRIVED: 0,
        J.WORK_STARTED: 0,
        J.IN_PROGRESS: 0,
        J.COMPLETED: 2,
        J.CANCELLED: 1,
    }
    assert body["pending_offers"] == 2
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert body["month_start"] == month_start.date().isoformat()
    assert old.succeeded_at < month_start  # 70 days ago is always an earlier month
    assert body["earnings_this_month"] == [
        {"currency": "NGN", "amount": "100.00", "payments": 1},
        {"currency": "USD", "amount": "250.00", "payments": 1},
    ]


def test_earnings_per_week_with_empty_weeks_filled(auth_client, fleet):
    done = fleet.job(J.COMPLETED)
    _paid(done, "120.00")  # this week
    _paid(done, "80.00", refunded="80.00")  # this week, refunded in full: nets to zero
    _paid(done, "45.50", days_ago=14)
    _paid(done, "10.00", days_ago=7 * 10)  # ten weeks ago: only in the longer view
    _paid(done, "5000.00", currency="NGN", days_ago=7)
    _paid(done, "1.00", status=Payment.Status.PENDING)
    _paid(Fleet("Rival").job(J.COMPLETED), "999.00")

    client = auth_client(user=fleet.provider.user)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    rows = _ok(client, "earnings", weeks="4")
    weeks = [(monday - timedelta(weeks=n)).isoformat() for n in (3, 2, 1, 0)]
    expected_usd = {weeks[1]: ("45.50", 1), weeks[3]: ("120.00", 2)}
    expected_ngn = {weeks[2]: ("5000.00", 1)}
    assert rows == [
        {"week": week, "currency": currency, "amount": amount, "payments": payments}
        for week in weeks
        for currency, found in (("NGN", expected_ngn), ("USD", expected_usd))
        for amount, payments in [found.get(week, ("0.00", 0))]
    ]
    default = _ok(client, "earnings")  # 12 weeks
    assert len(default) == 12 * 2
    longer = _ok(client, "earnings", weeks="11")
    ten_weeks_ago = (monday - timedelta(weeks=10)).isoformat()
    assert {"week": ten_weeks_ago, "currency": "USD", "amount": "10.00", "payments": 1} in longer
    single = _ok(client, "earnings", weeks="1")
    assert single == [
        {"week": monday.isoformat(), "currency": "USD", "amount": "120.00", "payments": 2},
    ]


@pytest.mark.parametrize("weeks", ["0", "105", "-1", "abc", "1.5", "", "12 "])
def test_a_bad_number_of_weeks_is_400(auth_client, fleet, weeks):
    assert_error(_get(auth_client(user=fleet.provider.user), "earnings", weeks=weeks), 400, attr="weeks")


def test_the_bounds_of_weeks_are_accepted(auth_client, fleet):
    client = auth_client(user=fleet.provider.user)
    assert _ok(client, "earnings", weeks="1") == []  # no money yet: no currency, no rows
    assert _ok(client, "earnings", weeks="104") == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_who_may_see_a_dashboard(auth_client, api_client, fleet, endpoint):
    assert_error(_get(api_client, endpoint), 401)
    assert_error(_get(auth_client("customer"), endpoint), 403)
    assert_error(_get(auth_client("logistics"), endpoint), 403)
    assert_error(_get(auth_client("provider"), endpoint), 403, code="not_a_provider")
    assert_error(_get(auth_client("admin"), endpoint), 403, code="not_a_provider")  # no provider of its own
    assert _get(auth_client(user=fleet.provider.user), endpoint).status_code == 200
    admin = auth_client("admin")
    assert _get(admin, endpoint, provider=str(fleet.provider.pk)).status_code == 200
    assert_error(_get(admin, endpoint, provider="not-a-uuid"), 404)
    assert_error(_get(admin, endpoint, provider="00000000-0000-0000-0000-000000000000"), 404)


def test_an_admin_sees_any_providers_dashboard_and_a_provider_only_their_own(auth_client, fleet):
    fleet.job(J.RECEIVED)
    rival = Fleet("Rival")
    rival.job(J.RECEIVED)
    rival.job(J.RECEIVED)
    admin = auth_client("admin")
    assert _ok(admin, "summary", provider=str(rival.provider.pk))["pending_offers"] == 2
    assert _ok(admin, "summary", provider=str(fleet.provider.pk))["pending_offers"] == 1
    own = auth_client(user=fleet.provider.user)
    peek = _ok(own, "summary", provider=str(rival.provider.pk))
    assert peek["provider"]["id"] == str(fleet.provider.pk) and peek["pending_offers"] == 1
    assert _ok(own, "job-requests", provider=str(rival.provider.pk))["count"] == 1


def _fill(fleet, n):
    """``n`` more jobs of every kind the dashboard lists, and a payment per completed job."""
    for i in range(n):
        fleet.job(J.RECEIVED)
        fleet.job(J.ACCEPTED)
        fleet.job((J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS)[i % 4])
        done = fleet.job(J.COMPLETED)
        _paid(done, "100.00", days_ago=7 * (i % 3))


def test_each_endpoint_costs_the_same_number_of_queries_whatever_the_number_of_jobs(auth_client, fleet):
    client = auth_client(user=fleet.provider.user)

    def costs():
        result = {}
        for endpoint in ENDPOINTS:
            with CaptureQueriesContext(connection) as ctx:
                body = _ok(client, endpoint)
            result[endpoint] = (len(ctx.captured_queries), body)
        return result

    _fill(fleet, 2)
    costs()  # the caller is cached from now on
    few = costs()
    _fill(fleet, 10)
    many = costs()
    for endpoint in ("ongoing", "upcoming", "job-requests"):
        assert (few[endpoint][1]["count"], many[endpoint][1]["count"]) == (2, 12), endpoint
    assert many["summary"][1]["counts"][J.COMPLETED] == 12
    assert {endpoint: n for endpoint, (n, _) in few.items()} == {
        endpoint: n for endpoint, (n, _) in many.items()
    }
    assert all(n <= 4 for n, _ in many.values()), {endpoint: n for endpoint, (n, _) in many.items()}


def test_advancing_a_job_moves_it_between_the_lists(auth_client, fleet):
    job = fleet.job(J.RECEIVED, days=3)
    client = auth_client(user=fleet.provider.user)
    assert _ok(client, "job-requests")["count"] == 1 and _ok(client, "upcoming")["count"] == 0
    advance(job, J.ACCEPTED)
    assert _ok(client, "job-requests")["count"] == 0 and _ok(client, "upcoming")["count"] == 1
    advance(job, J.WORK_STARTED)
    assert _ok(client, "upcoming")["count"] == 0 and _ids(_ok(client, "ongoing")["results"]) == [str(job.pk)]
    advance(job, J.COMPLETED)
    assert _ok(client, "ongoing")["count"] == 0
    assert _ok(client, "summary")["counts"][J.COMPLETED] == 1
