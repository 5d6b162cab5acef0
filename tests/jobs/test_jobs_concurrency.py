"""Service jobs under real concurrent transactions (PostgreSQL): one acceptance per offer, one
booking per resource and day, one payment per job, accept racing cancel, and the beat and
matching running twice at once. Jobs made here are matched on commit, as in production."""

import itertools
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.jobs import services as jobs
from apps.jobs import tasks
from apps.jobs.models import Job, JobEvent, JobOffer, Resource
from apps.jobs.payments import job_payments
from apps.notifications.models import EmailMessage
from apps.orders.models import Payment, WebhookEvent
from tests.helpers import run_concurrently, together
from tests.orders.factories import stripe_delivery, succeeded_event

from .job_factories import job_for, job_in, resource, unique

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

J = Job.Status


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _status(user, job, status):
    return _client(user).post(f"/api/v1/jobs/{job.pk}/status", {"status": status}, format="json")


def _chain_is_consistent(job):
    events = list(JobEvent.objects.filter(job=job).order_by("occurred_at", "recorded_at", "id"))
    assert events[0].from_status == ""
    for earlier, later in itertools.pairwise(events):
        assert earlier.to_status == later.from_status, [(e.from_status, e.to_status) for e in events]
    job.refresh_from_db()
    assert events[-1].to_status == job.status
    assert JobOffer.objects.filter(job=job, status=JobOffer.Status.OFFERED).count() == (
        1 if job.status == J.RECEIVED else 0
    )
    return [(e.from_status, e.to_status) for e in events]


def test_the_same_offer_accepted_concurrently_is_accepted_once():
    res = resource(name=unique("Race"), km_north=5)
    job = job_for()
    job.refresh_from_db()
    assert (job.status, job.resource_id) == (J.RECEIVED, res.pk)  # matched on commit
    statuses = sorted(
        r.status_code for r in together(5, lambda i: _status(res.provider.user, job, J.ACCEPTED))
    )
    assert statuses == [200] + [409] * 4
    job.refresh_from_db()
    assert job.status == J.ACCEPTED
    assert JobEvent.objects.filter(job=job, to_status=J.ACCEPTED).count() == 1
    assert JobOffer.objects.get(job=job).status == JobOffer.Status.ACCEPTED
    accepted_mail = EmailMessage.objects.filter(
        related_object_id=str(job.pk), subject__contains="accepted your"
    )
    assert accepted_mail.count() == 1
    _chain_is_consistent(job)


def test_one_resource_is_booked_once_a_day_whatever_the_concurrent_accepts():
    res = resource(name=unique("Solo"), km_north=5)
    when = timezone.localdate() + timezone.timedelta(days=4)
    offered = [job_for(when=when) for _ in range(6)]
    for job in offered:
        job.refresh_from_db()
        assert (job.status, job.resource_id) == (J.RECEIVED, res.pk)  # offers are no bookings
    responses = together(len(offered), lambda i: _status(res.provider.user, offered[i], J.ACCEPTED))
    codes = sorted(r.status_code for r in responses)
    booked = Job.objects.filter(resource=res, preferred_date=when, status=J.ACCEPTED).count()
    assert booked == 1, f"the resource was booked {booked} times on {when} ({codes})"
    assert codes == [200] + [409] * 5
    assert all(r.json()["errors"][0]["code"] == "resource_booked" for r in responses if r.status_code == 409)


def test_concurrent_payment_intents_make_one_payment():
    res = resource(name=unique("Pay"), km_north=10, rate="50.00", fee="2.00")
    job = job_in(J.ACCEPTED, res=res, estimated_hours=Decimal("4.00"))
    customer = job.customer

    def pay(i):
        return _client(customer).post(f"/api/v1/jobs/{job.pk}/payment-intent")

    responses = together(6, pay)
    assert {r.status_code for r in responses} == {201}, [r.content for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert job_payments(job_id=job.pk).count() == 1
    assert job_payments(job_id=job.pk).get().amount == Decimal("220.00")


def test_concurrent_payment_intents_with_one_idempotency_key_make_one_payment():
    job = job_in(J.ACCEPTED)
    customer = job.customer

    def pay(i):
        return _client(customer).post(
            f"/api/v1/jobs/{job.pk}/payment-intent", HTTP_IDEMPOTENCY_KEY="same-key"
        )

    responses = together(4, pay)
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert job_payments(job_id=job.pk).count() == 1


@pytest.mark.parametrize("round_", range(4))
def test_accept_racing_cancel_leaves_one_consistent_story(round_):
    res = resource(name=unique("Duel"), km_north=5)
    job = job_for()
    job.refresh_from_db()
    assert job.status == J.RECEIVED
    provider_user, customer = res.provider.user, job.customer

    def act(i):
        return _status(provider_user, job, J.ACCEPTED) if i == 0 else _status(customer, job, J.CANCELLED)

    accept, cancel = together(2, act)
    assert cancel.status_code == 200, cancel.content  # cancelling is allowed from RECEIVED and ACCEPTED
    assert accept.status_code in (200, 409), accept.content
    story = _chain_is_consistent(job)
    assert job.status == J.CANCELLED
    if accept.status_code == 200:  # accepted first, then cancelled
        assert story[-2:] == [(J.RECEIVED, J.ACCEPTED), (J.ACCEPTED, J.CANCELLED)]
        assert job.accepted_at is not None
    else:  # cancelled first: nothing left to accept
        assert accept.json()["errors"][0]["code"] == "invalid_transition"
        assert story[-1] == (J.RECEIVED, J.CANCELLED)
        assert JobEvent.objects.filter(job=job, to_status=J.ACCEPTED).count() == 0
        assert JobOffer.objects.get(job=job).status == JobOffer.Status.WITHDRAWN


def test_concurrent_matching_offers_once():
    job = job_for()  # nobody can take it yet: SENT, staff alerted
    job.refresh_from_db()
    assert (job.status, job.needs_attention) == (J.SENT, True)
    res = resource(name=unique("Late"), km_north=5)
    resource(name=unique("Later"), km_north=9)
    results, errors = run_concurrently(5, lambda i: jobs.job_match(job=Job(pk=job.pk)))
    assert errors == [], errors
    assert len({offer.pk for offer in results}) == 1
    assert JobOffer.objects.filter(job=job).count() == 1
    assert JobEvent.objects.filter(job=job, to_status=J.RECEIVED).count() == 1
    job.refresh_from_db()
    assert (job.status, job.resource_id, job.needs_attention) == (J.RECEIVED, res.pk, False)


def test_two_beats_at_once_move_a_stale_offer_once(settings):
    settings.JOB_OFFER_TTL_HOURS = 1
    first = resource(name=unique("Asleep"), km_north=5)
    second = resource(name=unique("Awake"), km_north=9)
    job = job_for()
    job.refresh_from_db()
    assert job.resource_id == first.pk
    then = timezone.now() - timezone.timedelta(hours=2)
    JobOffer.objects.filter(job=job).update(created_at=then, updated_at=then)
    results = together(3, lambda i: tasks.expire_job_offers())
    assert sum(r["expired"] for r in results) == 1
    job.refresh_from_db()
    assert (job.status, job.resource_id) == (J.RECEIVED, second.pk)
    assert sorted(JobOffer.objects.filter(job=job).values_list("status", flat=True)) == ["expired", "offered"]
    assert _chain_is_consistent(job) == [
        ("", J.SENT),
        (J.SENT, J.RECEIVED),
        (J.RECEIVED, J.SENT),
        (J.SENT, J.RECEIVED),
    ]


def test_the_same_payment_webhook_delivered_concurrently_pays_the_job_once():
    job = job_in(J.ACCEPTED)
    payment = jobs.job_payment_intent(job=job, user=job.customer)
    event = succeeded_event(payment)
    other = succeeded_event(payment)  # a second event id for the same intent
    events = [event, event, event, other, other]
    responses = together(len(events), lambda i: stripe_delivery(APIClient(), events[i]))
    assert {r.status_code for r in responses} == {200}
    assert WebhookEvent.objects.count() == 2
    job.refresh_from_db()
    assert job.paid_at is not None and not job.needs_attention
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    paid_mail = EmailMessage.objects.filter(
        related_object_id=str(job.pk), subject__startswith="Payment received"
    )
    assert paid_mail.count() == 1


def test_reassigning_while_the_provider_accepts_keeps_one_owner():
    first = resource(name=unique("Slow"), km_north=5)
    spare = resource(name=unique("Spare"), km_north=20)
    staff = _staff()
    job = job_for()
    job.refresh_from_db()
    assert job.resource_id == first.pk

    def act(i):
        if i == 0:
            return _status(first.provider.user, job, J.ACCEPTED).status_code
        try:
            jobs.job_reassign(job=Job(pk=job.pk), resource=Resource.objects.get(pk=spare.pk), actor=staff)
        except Exception as exc:  # noqa: BLE001 - reported below
            return type(exc).__name__
        return "reassigned"

    accept, reassign = together(2, act)
    assert reassign == "reassigned"  # from RECEIVED or ACCEPTED, staff may always reassign
    story = _chain_is_consistent(job)
    assert (job.status, job.resource_id) == (J.RECEIVED, spare.pk)
    assert JobOffer.objects.get(job=job, resource=spare).status == JobOffer.Status.OFFERED
    if accept == 200:
        assert (J.RECEIVED, J.ACCEPTED) in story and story[-1] == (J.ACCEPTED, J.RECEIVED)
    else:
        assert accept == 404  # the offer went to the spare first
        assert (J.RECEIVED, J.ACCEPTED) not in story


def _staff():
    from tests.accounts.factories import UserFactory

    return UserFactory(roles=["logistics"])
