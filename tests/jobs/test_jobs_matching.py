"""Matching a job to the nearest available resource: every exclusion rule, declines and
expiries moving the job to the next candidate, the staff alert when nobody is left (once), the
beat task, idempotent matching, and the SQL ranking (PostgreSQL) against a brute-force Python
ranking, with the bounding box checked near the poles and across the antimeridian."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.jobs import matching, tasks
from apps.jobs import services as jobs
from apps.jobs.models import Job, JobEvent, JobOffer, Resource, ResourceBlock
from apps.notifications.models import EmailMessage, Notification
from tests.accounts.factories import UserFactory

from .job_factories import (
    SITE,
    bulk_resources,
    destination,
    events_of,
    great_circle_km,
    job_for,
    job_in,
    provider,
    resource,
    resource_at,
    unique,
)

pytestmark = pytest.mark.django_db

J = Job.Status


def _offered(job) -> Resource | None:
    job.refresh_from_db()
    return job.resource if job.status == J.RECEIVED else None


def _match(job):
    jobs.job_match(job=job)
    return _offered(job)


def _alerts(job):
    return EmailMessage.objects.filter(
        template="job_update", related_object_id=str(job.pk), subject__startswith="No provider available"
    )


# --- Who is a candidate -------------------------------------------------------------------------


def test_the_nearest_available_capable_resource_is_offered_the_job():
    far = resource(name="Far", km_north=40)
    nearest = resource(name="Nearest", km_north=5)
    resource(name="Middle", km_north=20)
    job = job_for()
    assert _match(job) == nearest
    assert job.provider_id == nearest.provider_id
    assert job.distance_km == Decimal("5.00")
    offer = JobOffer.objects.get(job=job)
    assert (offer.resource_id, offer.rank, offer.status, offer.distance_km) == (
        nearest.pk,
        1,
        JobOffer.Status.OFFERED,
        Decimal("5.00"),
    )
    ranked = matching.match_candidates(job)  # the offered one is no longer a candidate
    assert [c.name for c in ranked] == ["Middle", "Far"]
    assert [c.distance_km for c in ranked] == [Decimal("20.00"), Decimal("40.00")]
    assert far.pk in {c.resource_id for c in ranked}


def test_at_the_same_distance_the_cheaper_rate_wins():
    resource(name="Dear", km_north=12, rate="80.00")
    cheap = resource(name="Cheap", km_north=12, rate="45.00")
    assert _match(job_for()) == cheap


@pytest.mark.parametrize(
    "spoiler",
    [
        pytest.param(
            lambda: resource(name="Wrong kind", km_north=1, capabilities=("harvesting",)), id="capability"
        ),
        pytest.param(lambda: resource(name="Naira", km_north=1, currency="NGN"), id="currency"),
        pytest.param(lambda: _inactive(resource(name="Retired", km_north=1)), id="inactive-resource"),
        pytest.param(lambda: _provider_off(resource(name="Closed", km_north=1)), id="inactive-provider"),
        pytest.param(lambda: resource(name="Too far", km_north=150.5), id="outside-radius"),
        pytest.param(lambda: _blocked(resource(name="Serviced", km_north=1), -1, 1), id="blocked-around"),
        pytest.param(lambda: _blocked(resource(name="Serviced", km_north=1), 0, 0), id="blocked-that-day"),
        pytest.param(
            lambda: _blocked(resource(name="Serviced", km_north=1), 0, 4), id="blocked-from-that-day"
        ),
        pytest.param(
            lambda: _blocked(resource(name="Serviced", km_north=1), -4, 0), id="blocked-until-that-day"
        ),
        pytest.param(lambda: _booked(resource(name="Busy", km_north=1), J.ACCEPTED), id="booked-accepted"),
        pytest.param(lambda: _booked(resource(name="Busy", km_north=1), J.IN_PROGRESS), id="booked-running"),
    ],
)
def test_a_resource_that_cannot_take_the_job_is_passed_over(spoiler):
    fallback = resource(name="Fallback", km_north=60)
    excluded = spoiler()
    job = job_for()
    assert excluded.pk not in {c.resource_id for c in matching.match_candidates(job, limit=50)}
    assert _match(job) == fallback


@pytest.mark.parametrize(
    "neighbour",
    [
        pytest.param(lambda: resource(name="Just inside", km_north=149.5), id="inside-radius"),
        pytest.param(lambda: _blocked(resource(name="Back", km_north=1), -6, -1), id="block-ended-before"),
        pytest.param(lambda: _blocked(resource(name="Later", km_north=1), 1, 6), id="block-starts-after"),
        pytest.param(
            lambda: _booked(resource(name="Other day", km_north=1), J.ACCEPTED, days=1), id="booked-other-day"
        ),
        pytest.param(
            lambda: _booked(resource(name="Offered only", km_north=1), J.RECEIVED), id="only-offered"
        ),
    ],
)
def test_what_does_not_exclude_a_resource(neighbour):
    resource(name="Fallback", km_north=155)  # outside the radius: never the answer
    kept = neighbour()
    assert _match(job_for()) == kept


def _when():
    return timezone.localdate() + timedelta(days=3)  # job_for's default date


def _inactive(res):
    Resource.objects.filter(pk=res.pk).update(is_active=False)
    return res


def _provider_off(res):
    res.provider.is_active = False
    res.provider.save(update_fields=["is_active"])
    return res


def _blocked(res, start: int, end: int):
    ResourceBlock.objects.create(
        resource=res, start_date=_when() + timedelta(days=start), end_date=_when() + timedelta(days=end)
    )
    return res


def _booked(res, state, *, days: int = 0):
    """``res`` with another customer's job in ``state`` on the preferred date (+ ``days``),
    made while ``res`` is the only resource able to take it."""
    others = list(Resource.objects.exclude(pk=res.pk).filter(is_active=True).values_list("pk", flat=True))
    Resource.objects.filter(pk__in=others).update(is_active=False)
    try:
        job_in(state, res=res, when=_when() + timedelta(days=days))
    finally:
        Resource.objects.filter(pk__in=others).update(is_active=True)
    return res


def test_a_resource_is_never_offered_the_same_job_twice():
    first = resource(name="First", km_north=5)
    job = job_for()
    assert _match(job) == first
    jobs.job_decline(job=job, user=first.provider.user, reason="busy")
    job.refresh_from_db()
    assert job.status == J.SENT and job.needs_attention
    assert first.pk not in {c.resource_id for c in matching.match_candidates(job)}
    assert jobs.job_match(job=job) is None
    assert JobOffer.objects.filter(job=job).count() == 1


# --- Declines, the staff alert -------------------------------------------------------------------


def test_declines_move_the_job_down_the_list_then_staff_are_alerted_once():
    ops = [UserFactory(roles=["logistics"]) for _ in range(2)]
    UserFactory(roles=["logistics"], is_active=False)
    UserFactory(roles=["admin"])
    a, b, c = (resource(name=n, km_north=k) for n, k in (("A", 5), ("B", 10), ("C", 20)))
    job = job_for()
    assert _match(job) == a
    jobs.job_decline(job=job, user=a.provider.user, reason="no driver")
    assert _offered(job) == b
    assert JobOffer.objects.get(job=job, resource=b).rank == 2
    jobs.job_decline(job=job, user=b.provider.user)
    assert _offered(job) == c
    assert not _alerts(job).exists()
    jobs.job_decline(job=job, user=c.provider.user)
    job.refresh_from_db()
    assert (job.status, job.needs_attention, job.resource_id, job.provider_id) == (J.SENT, True, None, None)
    assert sorted(JobOffer.objects.filter(job=job).values_list("status", flat=True)) == ["declined"] * 3
    declined_a = JobOffer.objects.get(job=job, resource=a)
    assert declined_a.reason == "no driver" and declined_a.responded_at is not None
    assert events_of(job) == [("", J.SENT)] + [(J.SENT, J.RECEIVED), (J.RECEIVED, J.SENT)] * 3

    alert = _alerts(job).get()
    assert sorted(alert.to) == sorted(u.email for u in ops)
    notified = Notification.objects.filter(title__startswith="No provider available")
    assert sorted(notified.values_list("user_id", flat=True)) == sorted(u.pk for u in ops)

    # Matching again, the beat, and the task tell nobody again.
    assert jobs.job_match(job=job) is None
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 0}
    assert tasks.match_job(str(job.pk)) == "no candidate: staff alerted"
    assert _alerts(job).count() == 1
    assert notified.count() == 2


def test_a_job_nobody_can_do_alerts_staff_at_once_and_is_matched_when_staff_reassign(auth_client):
    staff = auth_client("logistics")
    job = job_for(code="spraying")
    assert jobs.job_match(job=job) is None
    job.refresh_from_db()
    assert job.needs_attention and job.status == J.SENT
    assert _alerts(job).get().to == [staff.user.email]
    sprayer = resource(name="Sprayer", km_north=30, capabilities=("spraying",))
    assert staff.post(f"/api/v1/jobs/{job.pk}/match").status_code == 200
    job.refresh_from_db()
    assert (job.status, job.resource_id, job.needs_attention) == (J.RECEIVED, sprayer.pk, False)
    assert JobEvent.objects.filter(job=job, to_status=J.RECEIVED).get().actor_id == staff.user.pk


def test_only_job_staff_may_ask_for_a_match(auth_client):
    job = job_for()
    resource()
    assert auth_client("customer").post(f"/api/v1/jobs/{job.pk}/match").status_code == 403
    assert auth_client(user=job.customer).post(f"/api/v1/jobs/{job.pk}/match").status_code == 403
    assert auth_client("sales").post(f"/api/v1/jobs/{job.pk}/match").status_code == 403
    assert Job.objects.get(pk=job.pk).status == J.SENT
    assert auth_client("admin").post(f"/api/v1/jobs/{job.pk}/match").status_code == 200


# --- Idempotent matching ------------------------------------------------------------------------


def test_matching_twice_offers_once(django_capture_on_commit_callbacks):
    res = resource(name="Only", km_north=7)
    resource(name="Second", km_north=9)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_for()
    assert _offered(job) == res  # the match task ran on commit
    first = jobs.job_match(job=job)
    second = jobs.job_match(job=job)
    assert first.pk == second.pk
    assert tasks.match_job(str(job.pk)) == f"offered to {res.pk}"
    assert JobOffer.objects.filter(job=job).count() == 1
    assert events_of(job) == [("", J.SENT), (J.SENT, J.RECEIVED)]
    offers_mail = EmailMessage.objects.filter(
        related_object_id=str(job.pk), subject__startswith="New job offer"
    )
    assert offers_mail.count() == 1


def test_the_match_task_leaves_cancelled_or_missing_jobs_alone():
    resource()
    job = job_for()
    jobs.job_cancel(job=job, user=job.customer)
    assert tasks.match_job(str(job.pk)).startswith("not matched:")
    assert Job.objects.get(pk=job.pk).status == J.CANCELLED
    assert not JobOffer.objects.filter(job=job).exists()
    assert tasks.match_job("00000000-0000-0000-0000-000000000000") == "missing"


# --- The beat: unanswered offers ----------------------------------------------------------------


def _age_offer(job, hours: float):
    then = timezone.now() - timedelta(hours=hours)
    JobOffer.objects.filter(job=job, status=JobOffer.Status.OFFERED).update(created_at=then, updated_at=then)


def test_the_beat_expires_offers_past_the_ttl_and_offers_the_next_candidate(settings):
    settings.JOB_OFFER_TTL_HOURS = 6
    slow = resource(name="Slow", km_north=5)
    quick = resource(name="Quick", km_north=25)
    stale = job_for()
    fresh = job_for()
    assert _match(stale) == slow
    assert _match(fresh) == slow  # offered only: the same resource may get both offers
    _age_offer(stale, 7)
    _age_offer(fresh, 5)
    assert tasks.expire_job_offers.delay().get() == {"expired": 1, "rematched": 0}
    assert _offered(stale) == quick
    assert _offered(fresh) == slow
    expired = JobOffer.objects.get(job=stale, resource=slow)
    assert (expired.status, expired.reason) == (JobOffer.Status.EXPIRED, "no answer in time")
    back = JobEvent.objects.get(job=stale, from_status=J.RECEIVED, to_status=J.SENT)
    assert back.actor_id is None and "did not answer in 6 h" in back.note
    assert events_of(stale)[-2:] == [(J.RECEIVED, J.SENT), (J.SENT, J.RECEIVED)]
    # Run again: nothing is old enough any more.
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 0}
    assert JobOffer.objects.filter(job=stale).count() == 2


def test_an_expired_last_offer_alerts_staff_once():
    UserFactory(roles=["logistics"])
    only = resource(name="Only", km_north=5)
    job = job_for()
    assert _match(job) == only
    _age_offer(job, 25)
    assert tasks.expire_job_offers() == {"expired": 1, "rematched": 0}
    job.refresh_from_db()
    assert (job.status, job.needs_attention) == (J.SENT, True)
    assert _alerts(job).count() == 1
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 0}
    assert _alerts(job).count() == 1


def test_an_offer_answered_in_time_is_not_expired():
    res = resource(name="Prompt", km_north=5)
    resource(name="Next", km_north=9)
    job = job_for()
    assert _match(job) == res
    _age_offer(job, 30)
    jobs.job_accept(job=job, user=res.provider.user)
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 0}
    job.refresh_from_db()
    assert (job.status, job.resource_id) == (J.ACCEPTED, res.pk)


def test_the_beat_matches_a_job_whose_match_task_was_lost():
    res = resource(name="Late", km_north=5)
    job = job_for()  # the on-commit task never ran
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 0}  # too recent to be lost
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert tasks.expire_job_offers() == {"expired": 0, "rematched": 1}
    assert _offered(job) == res


# --- The SQL path and the Python path -------------------------------------------------------------


def _brute_force(job, radius: float) -> list[tuple]:
    """Every resource able to take ``job`` (the test data has no other exclusions), measured
    one by one, nearest first, then cheaper, then by id."""
    rows = []
    for res in Resource.objects.filter(is_active=True, currency=job.currency):
        d = great_circle_km(job.site_lat, job.site_lng, res.base_lat, res.base_lng)
        if d <= radius:
            rows.append((d, res.rate_per_hour, str(res.pk), res.pk))
    rows.sort()
    return rows


def _random_resources(rng, n, *, spread_deg=2.5, site=SITE):
    owner = provider(unique("Fleet"))
    rows = [
        (
            float(site[0]) + rng.uniform(-spread_deg, spread_deg),
            float(site[1]) + rng.uniform(-spread_deg, spread_deg),
            rng.choice(["40.00", "45.50", "60.00"]),
        )
        for _ in range(n)
    ]
    return bulk_resources(rows, owner)


def _check_ranking(job, radius, limit=10_000):
    with CaptureQueriesContext(connection) as ctx:
        ranked = matching.match_candidates(job, limit=limit, radius_km=radius)
    in_range = _brute_force(job, radius)
    assert 10 < len(in_range) < Resource.objects.count(), "some resources in range, some out"
    expected = in_range[:limit]
    assert [c.resource_id for c in ranked] == [pk for *_, pk in expected]
    for candidate, (distance, rate, _, _) in zip(ranked, expected, strict=True):
        assert abs(candidate.distance_km - Decimal(repr(distance))) <= Decimal("0.01")
        assert candidate.rate_per_hour == rate
    return ctx


def test_the_ranking_equals_a_brute_force_ranking_over_random_resources():
    """The Python path on SQLite, the SQL path on PostgreSQL: the same answer either way."""
    rng = random.Random(20260515)
    _random_resources(rng, 300)
    job = job_for()
    ctx = _check_ranking(job, 150.0)
    measured_in_sql = any("ASIN" in q["sql"].upper() for q in ctx.captured_queries)
    assert measured_in_sql is (connection.vendor == "postgresql")
    top = _check_ranking(job, 150.0, limit=7)
    assert len(top.captured_queries) == 1  # one query, whatever the number of resources


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_postgresql_the_sql_ranking_equals_the_python_haversine(seed):
    rng = random.Random(seed)
    site = (Decimal(str(round(rng.uniform(-60, 60), 6))), Decimal(str(round(rng.uniform(-170, 170), 6))))
    _random_resources(rng, 300, spread_deg=3.0, site=site)
    job = job_for(site=site)
    ctx = _check_ranking(job, 200.0)
    sql = ctx.captured_queries[-1]["sql"].upper()
    assert "ASIN" in sql and "ORDER BY" in sql and "LIMIT" in sql
    where = sql.split(" WHERE ", 1)[1]
    assert "BASE_LAT" in where and "BASE_LNG" in where  # the box: only nearby rows are measured


SITES = [
    pytest.param((89.6, 10.0), id="near-north-pole"),
    pytest.param((-89.9, -120.0), id="near-south-pole"),
    pytest.param((88.2, 0.0), id="high-latitude"),
    pytest.param((70.0, 179.5), id="antimeridian-east"),
    pytest.param((-35.0, -179.8), id="antimeridian-west"),
    pytest.param((0.0, 180.0), id="on-the-antimeridian"),
    pytest.param((60.0, 0.0), id="greenwich"),
]


@pytest.mark.parametrize("site", SITES)
def test_the_bounding_box_misses_no_resource_within_the_radius(site):
    lat, lng = site
    radius = 150.0
    owner = provider(unique("Polar"))
    inside, outside = [], []
    for bearing in range(0, 360, 15):
        inside.append(destination(lat, lng, bearing, radius - 2))
        inside.append(destination(lat, lng, bearing, 1 + bearing / 10))
        outside.append(destination(lat, lng, bearing, radius + 2))
    near = bulk_resources([(a, b, "50.00") for a, b in inside], owner)
    far = bulk_resources([(a, b, "50.00") for a, b in outside], owner)
    # The box alone keeps every resource within the radius.
    boxed = set(Resource.objects.filter(matching.bounding_box(lat, lng, radius)).values_list("pk", flat=True))
    assert {r.pk for r in near} <= boxed
    # And the matching finds exactly them.
    job = job_for(site=(lat, lng))
    found = {c.resource_id for c in matching.match_candidates(job, limit=1000, radius_km=radius)}
    assert found == {r.pk for r in near}
    assert not found & {r.pk for r in far}


def test_the_box_is_not_the_whole_world_away_from_poles_and_antimeridian():
    near = resource_at(9.5, 7.5)
    far_east = resource_at(9.0, 12.0)  # about 550 km east: outside a 150 km box
    boxed = set(Resource.objects.filter(matching.bounding_box(9.0, 7.0, 150.0)).values_list("pk", flat=True))
    assert near.pk in boxed and far_east.pk not in boxed


def test_distances_are_great_circle_km_to_the_hundredth():
    res = resource_at(9.0, 8.0)  # one degree of longitude east at 9° N
    job = job_for()
    expected = great_circle_km(9, 7, 9, 8)
    assert abs(float(matching.distance_to(job, res)) - expected) <= 0.005
    assert abs(matching.match_candidates(job)[0].distance_km - matching.distance_to(job, res)) <= Decimal(
        "0.01"
    )
