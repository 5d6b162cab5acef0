"""POST /api/v1/auth/password-reset does the same work whether or not the email is registered
(it validates and queues one task; the lookup, the token and the email happen in the worker), so
its answer time does not tell which emails have accounts."""

import statistics
import time

import pytest
from django.core import mail

from apps.accounts import tasks
from apps.accounts.rest_api.v1.views import PasswordResetView
from tests.accounts.test_api_auth import RESET

pytestmark = pytest.mark.django_db

CALLS = 50


@pytest.fixture
def tasks_to_the_broker():
    """Tasks go to the configured broker as in production (the in-memory one when none is
    configured), instead of running in the request: to a queue of this test's own, which no
    worker consumes, so a worker busy on the same cores (CI's PostgreSQL run) does not blur the
    measurement of the requests; the queue is deleted afterwards."""
    import uuid

    from kombu import Exchange, Queue

    from config.celery import app

    queue = f"foundry-timing-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_always_eager, app.conf.task_routes
    app.conf.task_always_eager = False
    # conf.update (not assignment) makes Celery rebuild its cached router, both ways.
    app.conf.update(task_routes={"accounts.password_reset_deliver": {"queue": queue}})
    yield app
    app.conf.task_always_eager = previous[0]
    app.conf.update(task_routes=previous[1])
    with app.connection_for_write() as connection:  # the queue as Celery made it, then gone
        probe = Queue(queue, Exchange(queue), routing_key=queue)(connection.default_channel)
        probe.declare()
        probe.purge()
        probe.delete()


def test_password_reset_takes_the_same_time_for_known_and_unknown_emails(
    api_client, make_user, monkeypatch, tasks_to_the_broker
):
    monkeypatch.setattr(PasswordResetView, "throttle_classes", [])  # measure the view, not the limits
    known = make_user(email="known.person@example.com")

    def timed(email):
        start = time.perf_counter()
        response = api_client.post(RESET, {"email": email}, format="json")
        elapsed = time.perf_counter() - start
        assert response.status_code == 202, response.content
        return elapsed

    for i in range(10):  # warm-up: imports, connections, caches
        timed(known.email)
        timed(f"warm{i}@example.com")
    known_times, unknown_times = [], []
    for i in range(CALLS):  # interleaved, so drift on a shared machine hits both alike
        known_times.append(timed(known.email))
        unknown_times.append(timed(f"unknown.person{i}@example.com"))
    known_median, unknown_median = statistics.median(known_times), statistics.median(unknown_times)
    assert abs(known_median - unknown_median) < 0.001, (
        f"known {known_median * 1000:.2f} ms, unknown {unknown_median * 1000:.2f} ms"
    )
    assert mail.outbox == []  # nothing ran in the request


def test_password_reset_queues_one_task_with_the_normalized_email_for_known_and_unknown(
    api_client, make_user, monkeypatch
):
    make_user(email="known@example.com")
    queued = []
    monkeypatch.setattr(tasks.password_reset_deliver, "delay", lambda *a, **kw: queued.append((a, kw)))
    for email in ("  Known@Example.COM ", "Nobody@Example.com"):
        response = api_client.post(RESET, {"email": email}, format="json")
        assert response.status_code == 202
    assert queued == [(("known@example.com",), {}), (("nobody@example.com",), {})]


def test_password_reset_answers_alike_for_known_and_unknown(api_client, make_user, tasks_to_the_broker):
    make_user(email="known@example.com")
    known = api_client.post(RESET, {"email": "known@example.com"}, format="json")
    unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert sorted(known.headers) == sorted(unknown.headers)


def test_the_task_emails_a_known_active_address_and_nobody_else(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user(email="known@example.com")
    make_user(email="inactive@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.password_reset_deliver("known@example.com")
        tasks.password_reset_deliver("nobody@example.com")
        tasks.password_reset_deliver("inactive@example.com")
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "reset-password?uid=" in message.body
