"""GET /api/v1/email/queue and POST /api/v1/email/{id}/retry: who may call them, filters,
the page envelope, constant queries, and the retry rules."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import ActivityLog
from apps.notifications.models import EmailMessage
from tests.helpers import assert_error

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/email/queue"
Status = EmailMessage.Status


def retry_url(message):
    return f"/api/v1/email/{message.pk}/retry"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 200), ("support", 200), ("customer", 403), ("sales", 403), ("finance", 403)],
)
def test_queue_is_for_admin_and_support(auth_client, role, expected):
    EmailMessageFactory()
    response = auth_client(role).get(QUEUE)
    if expected == 200:
        body = response.json()
        assert response.status_code == 200 and set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 1
    else:
        assert_error(response, expected)


def test_queue_anonymous_is_401(api_client):
    assert_error(api_client.get(QUEUE), 401)
    assert_error(api_client.get(QUEUE + "/"), 401)


def test_queue_lists_status_attempts_last_error_but_no_bodies(auth_client, make_user):
    user = make_user()
    failed = EmailMessageFactory(
        status=Status.FAILED,
        attempts=5,
        error_message="AnymailAPIError: 503",
        related_content_type=ContentType.objects.get_for_model(user),
        related_object_id=str(user.pk),
    )
    [row] = auth_client("support").get(QUEUE).json()["results"]
    assert row["id"] == str(failed.pk) and row["status"] == "failed" and row["attempts"] == 5
    assert row["last_error"] == "AnymailAPIError: 503" and row["to"] == failed.to
    assert row["related"] == {"type": "accounts.user", "id": str(user.pk)}
    assert "body_text" not in row and "body_html" not in row and "context" not in row


def test_queue_filters(auth_client):
    old = EmailMessageFactory(status=Status.SENT, template="order_confirmation", to=["Jo <jo@example.com>"])
    EmailMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    failed = EmailMessageFactory(status=Status.FAILED, template="password_reset", to=["ann@example.com"])
    pending = EmailMessageFactory(to=["x@example.com", "joanne@example.com"])
    client = auth_client("admin")

    def ids(**params):
        response = client.get(QUEUE, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="failed") == {str(failed.pk)}
    assert ids(template="order_confirmation") == {str(old.pk)}
    assert ids(to="JO@example.com") == {str(old.pk)}  # exact address, any case; not joanne@
    assert ids(to="joanne@example.com") == {str(pending.pk)}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=since) == {str(failed.pk), str(pending.pk)}
    assert ids(created_before=since) == {str(old.pk)}
    assert_error(client.get(QUEUE, {"status": "lost"}), 400, kind="validation_error", attr="status")
    assert_error(client.get(QUEUE, {"to": "not-an-email"}), 400, kind="validation_error", attr="to")
    assert_error(client.get(QUEUE, {"created_after": "yesterday"}), 400, kind="validation_error")


def test_queue_queries_do_not_grow_with_page_size(auth_client, make_user):
    user_ct = ContentType.objects.get_for_model(make_user())
    EmailMessage.objects.bulk_create(
        EmailMessage(
            to=[f"p{i}@example.com"],
            from_email="x@foundry.local",
            subject=f"S{i}",
            body_text="t",
            template="email_test",
            next_attempt_at=timezone.now(),
            related_content_type=user_ct,
            related_object_id=str(uuid.uuid4()),
        )
        for i in range(120)
    )
    client = auth_client("support")
    client.get(QUEUE, {"page_size": 5})  # warm per-process caches (cached user, content types)
    counts = {}
    for size in (1, 20, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"page_size": size, "status": "pending"})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts[size] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts


def test_retry_requeues_a_failed_email_and_logs_who_did_it(auth_client, run_on_commit):
    message = EmailMessageFactory(status=Status.FAILED, attempts=5, error_message="timeout")
    client = auth_client("support")
    with run_on_commit():
        response = client.post(retry_url(message))
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1
    assert [m.to for m in mail.outbox] == [message.to]
    log = ActivityLog.objects.get(action="email.retry")
    assert log.actor == client.user and log.entity_id == str(message.pk)
    assert log.before == {"status": "failed", "attempts": 5}


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT])
def test_retry_of_an_email_that_has_not_failed_is_409(auth_client, status):
    message = EmailMessageFactory(status=status, attempts=1)
    assert_error(auth_client("admin").post(retry_url(message)), 409, code="invalid_transition")
    message.refresh_from_db()
    assert message.status == status and message.attempts == 1
    assert not ActivityLog.objects.filter(action="email.retry").exists()


def test_retry_permissions_and_unknown_id(auth_client, api_client):
    message = EmailMessageFactory(status=Status.FAILED)
    assert_error(api_client.post(retry_url(message)), 401)
    assert_error(auth_client("customer").post(retry_url(message)), 403)
    assert_error(auth_client("sales").post(retry_url(message)), 403)
    assert_error(auth_client("admin").post(f"/api/v1/email/{uuid.uuid4()}/retry"), 404)
    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_email_test_endpoint_goes_through_the_outbox(auth_client, run_on_commit):
    client = auth_client("admin")
    with run_on_commit():
        response = client.post("/api/v1/settings/email-test", {}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["to"] == client.user.email and body["status"] == "queued"
    row = EmailMessage.objects.get(pk=body["id"])
    assert row.template == "email_test" and row.status == Status.SENT
    assert [m.to for m in mail.outbox] == [[client.user.email]]


def test_an_email_being_sent_shows_as_pending_in_the_queue_and_its_filter(auth_client):
    """The contract lists pending|sent|failed: the internal ``sending`` step is ``pending``."""
    sending = EmailMessageFactory(status=Status.SENDING, attempts=1, last_attempt_at=timezone.now())
    pending = EmailMessageFactory()
    EmailMessageFactory(status=Status.SENT)
    client = auth_client("support")
    rows = {row["id"]: row["status"] for row in client.get(QUEUE).json()["results"]}
    assert rows[str(sending.pk)] == "pending" and set(rows.values()) == {"pending", "sent"}
    listed = client.get(QUEUE, {"status": "pending"}).json()["results"]
    assert {row["id"] for row in listed} == {str(sending.pk), str(pending.pk)}
    assert {row["status"] for row in listed} == {"pending"}
    assert_error(client.get(QUEUE, {"status": "sending"}), 400, kind="validation_error", attr="status")
    retried = client.post(f"/api/v1/email/{sending.pk}/retry")
    body = assert_error(retried, 409)
    assert "sending" not in body["errors"][0]["detail"]
    sending.refresh_from_db()
    assert sending.status == Status.SENDING  # the real status is kept (the admin shows it)
