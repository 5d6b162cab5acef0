"""The service-job workflow (``workflows.JOB``), every (from, to) pair generated from its
definition: each allowed move succeeds through the service or the API with the right actor and
writes exactly one history row; every other move is refused with 409 ``invalid_transition``
naming the allowed next states, with nothing changed. Then who may ask for what."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError, Conflict, InvalidTransition, NotFound, PermissionDenied
from apps.jobs import services as jobs
from apps.jobs.models import Job, JobEvent, JobOffer
from apps.jobs.workflows import JOB, JOB_CANCELLABLE, JOB_MAIN_LINE
from apps.notifications.models import EmailMessage, Notification
from tests.helpers import assert_error

from .job_factories import advance, events_of, job_for, job_in, resource, unique

pytestmark = pytest.mark.django_db

J = Job.Status
ALL_PAIRS = list(itertools.product(JOB.states, JOB.states))
ALLOWED = set(JOB.pairs())
SYSTEM_ONLY = sorted((a, b) for a, b in ALLOWED if not JOB.roles_for(a, b))
REQUESTABLE = sorted((a, b) for a, b in ALLOWED if JOB.roles_for(a, b))


def _status(client, job, status, **extra):
    return client.post(f"/api/v1/jobs/{job.pk}/status", {"status": status, **extra}, format="json")


def _allowed_in(body) -> list[str]:
    detail = body["errors"][0]["detail"]
    return sorted(detail.split("Allowed next states: ")[1].rstrip(".").split(", "))


def _snapshot(job):
    job.refresh_from_db()
    return {
        "status": job.status,
        "status_at": job.status_at,
        "resource": job.resource_id,
        "provider": job.provider_id,
        "accepted_at": job.accepted_at,
        "completed_at": job.completed_at,
        "events": JobEvent.objects.filter(job=job).count(),
        "offers": list(JobOffer.objects.filter(job=job).order_by("pk").values_list("pk", "status")),
        "emails": EmailMessage.objects.count(),
        "notifications": Notification.objects.count(),
    }


# --- The definition -----------------------------------------------------------------------------


def test_the_definition_is_the_documented_one():
    assert JOB.initial == J.SENT
    assert set(JOB.states) == set(J.values)
    assert [s for s in JOB.states if JOB.is_final(s)] == [J.COMPLETED, J.CANCELLED]
    # The main line, one step at a time, and nothing skips ahead along it.
    for here, there in itertools.pairwise(JOB_MAIN_LINE):
        assert (here, there) in ALLOWED
    for i, here in enumerate(JOB_MAIN_LINE):
        for later in JOB_MAIN_LINE[i + 2 :]:
            assert (here, later) not in ALLOWED
    assert (
        {a for a, b in ALLOWED if b == J.CANCELLED}
        == set(JOB_CANCELLABLE)
        == {J.SENT, J.RECEIVED, J.ACCEPTED}
    )
    assert sorted([(J.SENT, J.RECEIVED), (J.RECEIVED, J.SENT), (J.ACCEPTED, J.RECEIVED)]) == SYSTEM_ONLY


# --- Every pair ---------------------------------------------------------------------------------


def _right_client(auth_client, job, target):
    """Who asks for a requestable move: the customer cancels, the provider does the rest."""
    if target == J.CANCELLED:
        return auth_client(user=job.customer)
    return auth_client(user=job.provider.user)


def _apply_system_move(job, current, target, staff):
    """The three moves only the system makes, through the services that make them. Returns the
    actor the history row must name."""
    if (current, target) == (J.SENT, J.RECEIVED):
        jobs.job_match(job=job, actor=staff)
        return staff
    if (current, target) == (J.RECEIVED, J.SENT):
        provider_user = job.provider.user
        jobs.job_decline(job=job, user=provider_user, reason="tractor broke down")
        return provider_user
    if (current, target) == (J.ACCEPTED, J.RECEIVED):
        spare = resource(name=unique("Spare"), km_north=30)
        jobs.job_reassign(job=job, resource=spare, actor=staff, note="moved to the spare")
        return staff
    raise AssertionError(f"not a system move: {current} → {target}")


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_pair_is_decided_by_the_definition(auth_client, current, target):
    staff = auth_client("logistics")
    job = job_in(current)
    before = _snapshot(job)
    started = timezone.now()
    if (current, target) in ALLOWED:
        if (current, target) in SYSTEM_ONLY:
            actor = _apply_system_move(job, current, target, staff.user)
            note = None
            location = ""
        else:
            client = _right_client(auth_client, job, target)
            actor = client.user
            note = f"note for {target}"
            location = ""
            response = _status(client, job, target, note=note)
            assert response.status_code == 200, response.content
            assert response.json()["status"] == target
            assert response.json()["history"][-1]["to_status"] == target
        job.refresh_from_db()
        assert job.status == target
        new = JobEvent.objects.filter(job=job).order_by("occurred_at", "recorded_at", "id")[
            before["events"] :
        ]
        assert len(new) == 1, [(e.from_status, e.to_status) for e in new]
        event = new[0]
        assert (event.from_status, event.to_status, event.actor_id) == (current, target, actor.pk)
        assert event.location == location
        if note is not None:
            assert event.note == note
        else:
            assert event.note  # the service explains the system move
        assert event.occurred_at == job.status_at
        assert started <= event.occurred_at <= timezone.now()
        assert event.recorded_at is not None and started <= event.recorded_at <= timezone.now()
    else:
        response = _status(staff, job, target, note="should not stick", location="nowhere")
        body = assert_error(response, 409, code="invalid_transition", attr="status")
        assert _allowed_in(body) == (sorted(JOB.allowed_next(current)) or ["none (final state)"])
        assert _snapshot(job) == before


@pytest.mark.parametrize(("current", "target"), REQUESTABLE, ids=[f"{a}->{b}" for a, b in REQUESTABLE])
@pytest.mark.parametrize("role", ["logistics", "admin"])
def test_job_staff_may_ask_for_every_requestable_move(auth_client, role, current, target):
    staff = auth_client(role)
    job = job_in(current)
    events = JobEvent.objects.filter(job=job).count()
    response = _status(staff, job, target, note="by staff")
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.status == target
    assert JobEvent.objects.filter(job=job).count() == events + 1
    event = JobEvent.objects.filter(job=job).latest("occurred_at", "recorded_at")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        current,
        target,
        staff.user.pk,
        "by staff",
    )


@pytest.mark.parametrize(("current", "target"), REQUESTABLE, ids=[f"{a}->{b}" for a, b in REQUESTABLE])
def test_the_location_sent_with_a_move_is_recorded(auth_client, current, target):
    job = job_in(current)
    client = _right_client(auth_client, job, target)
    response = _status(client, job, target, location="Kuje, gate 2", note="here")
    assert response.status_code == 200, response.content
    event = JobEvent.objects.filter(job=job).latest("occurred_at", "recorded_at")
    assert (event.to_status, event.location, event.note) == (target, "Kuje, gate 2", "here")
    assert response.json()["history"][-1]["location"] == "Kuje, gate 2"


SYSTEM_ASKS = [(who, a, b) for a, b in SYSTEM_ONLY for who in ("logistics", "admin")] + [
    ("provider", a, b)
    for a, b in SYSTEM_ONLY
    if a != J.SENT  # a SENT job is nobody's yet
]


@pytest.mark.parametrize(("who", "current", "target"), SYSTEM_ASKS, ids=["-".join(c) for c in SYSTEM_ASKS])
def test_system_only_moves_cannot_be_requested_by_name(auth_client, who, current, target):
    job = job_in(current)
    client = auth_client(user=job.provider.user) if who == "provider" else auth_client(who)
    before = _snapshot(job)
    body = assert_error(_status(client, job, target), 403, code="transition_not_allowed")
    assert "happens by itself" in body["errors"][0]["detail"]
    assert _snapshot(job) == before


def test_a_direct_jump_is_refused_and_changes_nothing(auth_client):
    staff = auth_client("admin")
    job = job_for()
    before = _snapshot(job)
    body = assert_error(_status(staff, job, J.COMPLETED), 409, code="invalid_transition")
    assert _allowed_in(body) == sorted([J.RECEIVED, J.CANCELLED])
    assert "'SENT' to 'COMPLETED'" in body["errors"][0]["detail"]
    assert _snapshot(job) == before
    offered = job_in(J.RECEIVED)
    assert_error(
        _status(auth_client(user=offered.provider.user), offered, J.EN_ROUTE), 409, code="invalid_transition"
    )
    accepted = job_in(J.ACCEPTED)
    assert_error(
        _status(auth_client(user=accepted.provider.user), accepted, J.COMPLETED),
        409,
        code="invalid_transition",
    )
    assert accepted.status == Job.objects.get(pk=accepted.pk).status == J.ACCEPTED


@pytest.mark.parametrize("state", J.values)
def test_cancelling_is_possible_only_before_the_work_starts(auth_client, state):
    staff = auth_client("logistics")
    job = job_in(state)
    before = _snapshot(job)
    response = _status(staff, job, J.CANCELLED, note="customer called")
    if state in (J.SENT, J.RECEIVED, J.ACCEPTED):
        assert response.status_code == 200, response.content
        job.refresh_from_db()
        assert job.status == J.CANCELLED
        assert events_of(job)[-1] == (state, J.CANCELLED)
        assert not JobOffer.objects.filter(job=job, status=JobOffer.Status.OFFERED).exists()
    else:
        assert_error(response, 409, code="invalid_transition")
        assert _snapshot(job) == before


# --- Who may ask --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [J.SENT, J.RECEIVED, J.ACCEPTED])
def test_the_customer_may_cancel_their_own_job(auth_client, state):
    job = job_in(state)
    owner = auth_client(user=job.customer)
    response = _status(owner, job, J.CANCELLED, note="changed my mind")
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.status == J.CANCELLED
    event = JobEvent.objects.filter(job=job).latest("occurred_at", "recorded_at")
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        state,
        J.CANCELLED,
        job.customer_id,
        "changed my mind",
    )


@pytest.mark.parametrize(
    ("state", "target"),
    [
        (J.RECEIVED, J.ACCEPTED),
        (J.ACCEPTED, J.EN_ROUTE),
        (J.EN_ROUTE, J.ARRIVED),
        (J.IN_PROGRESS, J.COMPLETED),
    ],
)
def test_the_customer_cannot_move_the_work(auth_client, state, target):
    job = job_in(state)
    owner = auth_client(user=job.customer)
    assert owner.get(f"/api/v1/jobs/{job.pk}").status_code == 200  # they see it
    before = _snapshot(job)
    response = _status(owner, job, target)
    assert response.status_code in (403, 404), response.content
    assert_error(response, response.status_code)
    assert _snapshot(job) == before


@pytest.mark.parametrize("state", [J.RECEIVED, J.ACCEPTED, J.EN_ROUTE])
def test_a_provider_the_job_is_not_offered_to_gets_404(auth_client, state):
    job = job_in(state)
    stranger_resource = resource(name=unique("Far"), km_north=80)
    stranger = auth_client(user=stranger_resource.provider.user)
    before = _snapshot(job)
    for target in JOB.states:
        assert_error(_status(stranger, job, target), 404)
    assert stranger.get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert_error(stranger.post(f"/api/v1/jobs/{job.pk}/decline", {}, format="json"), 404)
    assert _snapshot(job) == before
    # The service says the same when called directly.
    with pytest.raises(NotFound):
        jobs.job_status_change(job=job, user=stranger.user, status=J.ACCEPTED)


def test_another_customer_gets_404_for_everything(auth_client):
    job = job_in(J.RECEIVED)
    other = auth_client("customer")
    before = _snapshot(job)
    for target in JOB.states:
        assert_error(_status(other, job, target), 404)
    for path in ("", "/estimate"):
        assert_error(other.get(f"/api/v1/jobs/{job.pk}{path}"), 404)
    assert_error(other.post(f"/api/v1/jobs/{job.pk}/payment-intent"), 404)
    assert _snapshot(job) == before
    with pytest.raises(NotFound):
        jobs.job_cancel(job=job, user=other.user)


def test_the_offered_provider_accepts_and_works_the_job_but_cannot_cancel_it(auth_client):
    job = job_in(J.RECEIVED)
    worker = auth_client(user=job.provider.user)
    before = _snapshot(job)
    assert_error(_status(worker, job, J.CANCELLED), 403, code="transition_not_allowed")
    assert _snapshot(job) == before
    accepted = _status(worker, job, J.ACCEPTED)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["allowed_next"] == list(JOB.allowed_next(J.ACCEPTED))
    for step in (J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED):
        assert _status(worker, job, step, location="Plot 7").status_code == 200
    job.refresh_from_db()
    assert job.status == J.COMPLETED and job.completed_at == job.status_at
    assert job.accepted_at is not None and job.accepted_at < job.completed_at
    assert events_of(job) == [("", J.SENT), *itertools.pairwise(JOB_MAIN_LINE)]
    assert JobOffer.objects.get(job=job).status == JobOffer.Status.ACCEPTED


def test_other_staff_roles_see_jobs_but_cannot_move_them(auth_client):
    job = job_in(J.ACCEPTED)
    sales = auth_client("sales")
    assert sales.get(f"/api/v1/jobs/{job.pk}").status_code == 200
    before = _snapshot(job)
    for target in (J.EN_ROUTE, J.CANCELLED):
        response = _status(sales, job, target)
        assert response.status_code in (403, 404), response.content
    assert _snapshot(job) == before


def test_unknown_statuses_and_anonymous_callers_are_refused(auth_client, api_client):
    job = job_in(J.RECEIVED)
    assert_error(_status(api_client, job, J.ACCEPTED), 401)
    worker = auth_client(user=job.provider.user)
    assert_error(_status(worker, job, "TELEPORTED"), 400, kind="validation_error", attr="status")
    with pytest.raises(ApplicationError) as exc:
        jobs.job_status_change(job=job, user=worker.user, status="TELEPORTED")
    assert exc.value.attr == "status"
    assert Job.objects.get(pk=job.pk).status == J.RECEIVED


# --- The services' own refusals -----------------------------------------------------------------


def test_the_service_raises_invalid_transition_with_the_allowed_states():
    job = job_in(J.EN_ROUTE)
    with pytest.raises(InvalidTransition) as exc:
        jobs.job_status_change(job=job, user=job.provider.user, status=J.COMPLETED)
    assert exc.value.extra == {"current": J.EN_ROUTE, "allowed": [J.ARRIVED]}
    with pytest.raises(PermissionDenied) as denied:
        JOB.check_request(current=J.RECEIVED, target=J.SENT, roles={"admin", "logistics", "provider"})
    assert denied.value.code == "transition_not_allowed"


def test_decline_and_match_refuse_jobs_in_the_wrong_state():
    accepted = job_in(J.ACCEPTED)
    with pytest.raises(Conflict) as declined:
        jobs.job_decline(job=accepted, user=accepted.provider.user)
    assert declined.value.code == "invalid_transition"
    with pytest.raises(Conflict) as matched:
        jobs.job_match(job=accepted)
    assert matched.value.code == "invalid_transition"
    assert Job.objects.get(pk=accepted.pk).status == J.ACCEPTED


def test_reassigning_a_job_under_way_is_refused():
    job = job_in(J.EN_ROUTE)
    spare = resource(name=unique("Spare"), km_north=20)
    assigned = job.resource_id
    events = events_of(job)
    with pytest.raises(Conflict) as exc:
        jobs.job_reassign(job=job, resource=spare, actor=job.customer)  # the state decides first
    assert exc.value.code == "invalid_transition"
    job.refresh_from_db()
    assert (job.status, job.resource_id, events_of(job)) == (J.EN_ROUTE, assigned, events)


def test_the_history_is_a_chain_in_the_api(auth_client):
    job = job_in(J.RECEIVED)
    advance(job, J.IN_PROGRESS)
    owner = auth_client(user=job.customer)
    history = owner.get(f"/api/v1/jobs/{job.pk}").json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", J.SENT),
        *itertools.pairwise(JOB_MAIN_LINE[: JOB_MAIN_LINE.index(J.IN_PROGRESS) + 1]),
    ]
    for earlier, later in itertools.pairwise(history):
        assert earlier["to_status"] == later["from_status"]
        assert earlier["occurred_at"] <= later["occurred_at"]
    assert set(history[0]) == {
        "id",
        "from_status",
        "to_status",
        "location",
        "note",
        "occurred_at",
        "recorded_at",
    }


def test_an_event_time_is_the_time_of_the_move():
    job = job_in(J.ACCEPTED)
    before = timezone.now() - timedelta(seconds=1)
    jobs.job_status_change(job=job, user=job.provider.user, status=J.EN_ROUTE, location="Depot")
    job.refresh_from_db()
    event = JobEvent.objects.filter(job=job, to_status=J.EN_ROUTE).get()
    assert before < event.occurred_at == job.status_at <= event.recorded_at + timedelta(seconds=1)


# --- Notifications: each move's messages, once ---------------------------------------------------


def _job_mail(job, **filters):
    return EmailMessage.objects.filter(template="job_update", related_object_id=str(job.pk), **filters)


def _customer_mail(job):
    return _job_mail(job, to=[job.customer.email])


def test_the_customer_hears_of_acceptance_departure_and_completion_once_each(auth_client):
    job = job_in(J.RECEIVED, estimated_hours=Decimal("4.00"))
    assert not _customer_mail(job).exists()
    worker = auth_client(user=job.provider.user)
    name = job.provider.business_name
    for step in (J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED):
        assert _status(worker, job, step).status_code == 200
    # Repeating a step changes nothing and sends nothing.
    assert_error(_status(worker, job, J.COMPLETED), 409, code="invalid_transition")
    subjects = sorted(_customer_mail(job).values_list("subject", flat=True))
    date = job.preferred_date.isoformat()
    assert subjects == sorted(
        [
            f"{name} accepted your ploughing job for {date}.",
            f"{name} is on the way to your site for the ploughing job.",
            "Your ploughing job is completed.",
        ]
    )
    accepted = _customer_mail(job).get(subject__contains="accepted")
    assert accepted.context["estimate"] == {
        "labour": "200.00",
        "travel_fee": "20.00",
        "total": "220.00",
        "currency": "USD",
    }
    assert accepted.context["url"].endswith(f"/jobs/{job.pk}")
    assert accepted.related_content_type.model_class() is Job


def test_the_offered_provider_gets_an_email_and_an_in_app_notice():
    res = resource(name="Big Tractor", km_north=10)
    job = job_for(size="4")
    jobs.job_match(job=job)
    user = res.provider.user
    mail = _job_mail(job, to=[user.email]).get()
    assert mail.subject.startswith("New job offer: Ploughing, 4.00 hectare(s)")
    assert "10.00 km from Big Tractor" in mail.subject
    assert mail.context["estimate"]["total"] == "320.00"  # 4 ha × 1.50 h × 50.00 + 10 km × 2.00
    notice = Notification.objects.get(user=user)
    assert notice.title == mail.subject and str(job.pk) in notice.link
    # Matching again tells nobody again.
    jobs.job_match(job=job)
    assert _job_mail(job, to=[user.email]).count() == 1
    assert Notification.objects.filter(user=user).count() == 1


def test_a_decline_offers_the_job_to_the_next_provider_who_is_told(auth_client):
    first = resource(name="First", km_north=5)
    second = resource(name="Second", km_north=15)
    job = job_for()
    jobs.job_match(job=job)
    jobs.job_decline(job=job, user=first.provider.user)
    assert _job_mail(job, to=[second.provider.user.email]).count() == 1
    assert Notification.objects.filter(user=second.provider.user).count() == 1
    assert _job_mail(job, to=[first.provider.user.email]).count() == 1  # its own offer only
    assert not _customer_mail(job).exists()


@pytest.mark.parametrize("state", [J.RECEIVED, J.ACCEPTED])
def test_a_cancellation_by_staff_tells_the_customer_and_the_provider(auth_client, state):
    job = job_in(state)
    staff = auth_client("logistics")
    before = set(_customer_mail(job).values_list("pk", flat=True))
    assert _status(staff, job, J.CANCELLED, note="flooded").status_code == 200
    cancelled = _customer_mail(job).exclude(pk__in=before)
    assert list(cancelled.values_list("subject", flat=True)) == [
        f"Your ploughing job for {job.preferred_date.isoformat()} is cancelled."
    ]
    notice = Notification.objects.filter(user=job.provider.user, title__startswith="Job cancelled")
    assert notice.count() == 1


def test_a_cancellation_by_the_customer_tells_the_provider(auth_client):
    job = job_in(J.ACCEPTED)
    owner = auth_client(user=job.customer)
    assert _status(owner, job, J.CANCELLED).status_code == 200
    assert Notification.objects.filter(user=job.provider.user, title__startswith="Job cancelled").count() == 1
    assert not _customer_mail(job).filter(subject__contains="cancelled").exists()  # they did it


def test_a_refused_move_sends_nothing(auth_client):
    job = job_in(J.ACCEPTED)
    mails, notices = EmailMessage.objects.count(), Notification.objects.count()
    worker = auth_client(user=job.provider.user)
    assert_error(_status(worker, job, J.COMPLETED), 409)
    assert_error(_status(worker, job, J.ACCEPTED), 409)
    assert (EmailMessage.objects.count(), Notification.objects.count()) == (mails, notices)
