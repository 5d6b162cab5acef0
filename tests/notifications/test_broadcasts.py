"""Broadcasts: POST /api/v1/notifications/broadcast (admin) answers 202; the audience is
resolved when sending starts; recipients go out in batches (BROADCAST_BATCH_SIZE per task),
one refused address does not stop the others; suppressed addresses are skipped; progress is
visible at GET /api/v1/notifications/broadcasts/{id}."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.models import ActivityLog
from apps.notifications import tasks
from apps.notifications.models import Broadcast, BroadcastRecipient, EmailMessage
from apps.notifications.services import broadcasts
from tests.helpers import assert_error

from . import backends
from .factories import SuppressionFactory

pytestmark = pytest.mark.django_db

BROADCAST = "/api/v1/notifications/broadcast"


def detail(broadcast_id):
    return f"/api/v1/notifications/broadcasts/{broadcast_id}"


@pytest.fixture
def batches(monkeypatch):
    """Records each batch task's recipients while still running it."""
    seen = []
    original = tasks.send_broadcast_batch.run

    def spy(broadcast_id, recipient_ids):
        seen.append(list(recipient_ids))
        return original(broadcast_id, recipient_ids)

    monkeypatch.setattr(tasks.send_broadcast_batch, "run", spy)
    return seen


def test_broadcast_in_batches_with_one_broken_address(
    admin_client_api, make_user, settings, run_on_commit, batches
):
    settings.BROADCAST_BATCH_SIZE = 3
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    backends.SENT.clear()
    customers = [make_user("customer", email=f"c{i}@example.com") for i in range(6)]
    make_user("customer", email="broken@example.com")
    make_user("customer", email="bounced@example.com")
    make_user("customer", email="inactive@example.com", is_active=False)
    make_user("sales", email="not-a-customer@example.com")
    SuppressionFactory(email="bounced@example.com")
    with run_on_commit():
        response = admin_client_api.post(
            BROADCAST,
            {
                "subject": "New warehouse",
                "body": "We opened in Kano.\n\nCome by.",
                "audience": "all_customers",
            },
            format="json",
        )
    assert response.status_code == 202, response.content
    broadcast_id = response.json()["id"]
    assert [len(batch) for batch in batches] == [3, 3, 1]  # 7 recipients, 3 per task

    body = admin_client_api.get(detail(broadcast_id)).json()
    assert (
        body["status"],
        body["total"],
        body["sent"],
        body["failed"],
        body["pending"],
        body["skipped"],
    ) == ("done", 7, 6, 1, 0, 1)
    assert sorted(backends.SENT) == sorted(c.email for c in customers)  # each once, none twice
    assert all(count == 1 for count in backends.SENT.values())
    broken = EmailMessage.objects.get(to=["broken@example.com"])
    assert broken.status == EmailMessage.Status.FAILED and "Refused" in broken.error_message
    assert broken.related == Broadcast.objects.get(pk=broadcast_id)
    first = next(m for m in mail.outbox if m.to == [customers[0].email])
    assert first.subject == "New warehouse" and "We opened in Kano." in first.body
    assert "<p>Come by.</p>" in first.alternatives[0][0]
    log = ActivityLog.objects.get(action="broadcast.create")
    assert log.entity_id == broadcast_id and log.after["audience"] == "all_customers"


def test_the_audience_is_resolved_when_sending_starts(
    admin_client_api, make_user, django_capture_on_commit_callbacks
):
    make_user("finance", email="early@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client_api.post(
            BROADCAST, {"subject": "Close", "body": "Month end.", "audience": "role:finance"}, format="json"
        )
    assert response.status_code == 202 and response.json()["status"] == "queued"
    make_user("finance", email="late@example.com")  # joined after the request, before the start
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["early@example.com", "late@example.com"]


def test_a_duplicate_start_or_batch_sends_nothing_twice(make_user, run_on_commit):
    make_user("logistics", email="l1@example.com")
    make_user("logistics", email="l2@example.com")
    with run_on_commit():
        broadcast = broadcasts.broadcast_create(subject="S", body="B", audience="role:logistics")
    ids = [
        str(pk) for pk in BroadcastRecipient.objects.filter(broadcast=broadcast).values_list("pk", flat=True)
    ]
    with run_on_commit():
        assert tasks.start_broadcast(str(broadcast.pk)) == 0
        assert tasks.send_broadcast_batch(str(broadcast.pk), ids) == {}
        # A batch redelivered while the broadcast is still sending: its rows exist and are sent.
        Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.SENDING)
        assert tasks.send_broadcast_batch(str(broadcast.pk), ids) == {}
    assert len(mail.outbox) == 2 and EmailMessage.objects.count() == 2


def test_broadcast_validation_and_permissions(admin_client_api, auth_client, api_client):
    bad = admin_client_api.post(
        BROADCAST, {"subject": "S", "body": "B", "audience": "role:wizard"}, format="json"
    )
    assert_error(bad, 400, kind="validation_error", attr="audience")
    missing = admin_client_api.post(BROADCAST, {"audience": "all_customers"}, format="json")
    body = assert_error(missing, 400, kind="validation_error")
    assert {e["attr"] for e in body["errors"]} == {"subject", "body"}
    payload = {"subject": "S", "body": "B", "audience": "all_customers"}
    assert_error(api_client.post(BROADCAST, payload, format="json"), 401)
    for role in ("support", "sales", "customer"):
        assert_error(auth_client(role).post(BROADCAST, payload, format="json"), 403)
    assert not Broadcast.objects.exists()
    assert_error(admin_client_api.get(detail(uuid.uuid4())), 404)


def test_progress_is_admin_only(admin_client_api, auth_client, api_client):
    broadcast = Broadcast.objects.create(subject="S", body="B", audience="all_customers")
    assert admin_client_api.get(detail(broadcast.pk)).status_code == 200
    assert_error(auth_client("support").get(detail(broadcast.pk)), 403)
    assert_error(api_client.get(detail(broadcast.pk)), 401)


def test_an_empty_audience_is_done_at_once(run_on_commit):
    with run_on_commit():
        broadcast = broadcasts.broadcast_create(subject="S", body="B", audience="role:content")
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE and broadcast.total == 0 and broadcast.finished_at


def test_a_stalled_broadcast_is_resumed_by_the_sweeper(
    make_user, settings, django_capture_on_commit_callbacks, run_on_commit
):
    make_user("customer", email="one@example.com")
    make_user("customer", email="two@example.com")
    with django_capture_on_commit_callbacks(execute=False):
        broadcast = broadcasts.broadcast_create(subject="S", body="B", audience="all_customers")
    with django_capture_on_commit_callbacks(execute=False):
        broadcasts.broadcast_start(broadcast_id=broadcast.pk)  # its batch tasks are lost
    long_ago = timezone.now() - timedelta(minutes=settings.BROADCAST_STALL_MINUTES + 1)
    Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=long_ago)
    with run_on_commit():
        assert tasks.sweep_outbox()["broadcasts_resumed"] == 1
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.com", "two@example.com"]
