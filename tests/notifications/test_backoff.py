"""The backoff is kept: a row waiting for its next attempt is not claimed before
``next_attempt_at`` by a redelivered task, a re-run broadcast batch or a sweeper — only by the
retry task scheduled for it — while a new row still goes out at once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications import api, tasks
from apps.notifications.models import BroadcastRecipient, EmailMessage, SmsMessage
from apps.notifications.services import broadcasts, delivery, outbox

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db

Status = EmailMessage.Status


def waiting(**fields):
    """A row whose first attempt failed: pending again, due in ten minutes."""
    return EmailMessageFactory(
        status=Status.PENDING,
        attempts=1,
        error_message="ESP API response 503",
        next_attempt_at=timezone.now() + timedelta(minutes=10),
        **fields,
    )


def test_a_redelivered_task_does_not_retry_a_row_before_its_backoff_ends():
    message = waiting()
    assert tasks.send_email_message(str(message.pk)) == "skipped"
    assert tasks.send_email_message.delay(str(message.pk)).get() == "skipped"
    assert mail.outbox == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)


def test_the_row_is_claimed_once_it_is_due():
    message = waiting()
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert tasks.send_email_message(str(message.pk)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_the_scheduled_retry_may_claim_at_its_own_time_but_a_stale_copy_may_not():
    message = waiting()
    assert tasks.send_email_message(str(message.pk), retry_of=0) == "skipped"  # an older task
    assert tasks.send_email_message(str(message.pk), retry_of=1) == "sent"  # the retry after attempt 1
    assert tasks.send_email_message(str(message.pk), retry_of=1) == "skipped"  # its duplicate
    assert len(mail.outbox) == 1


def test_the_retry_is_scheduled_with_the_attempt_it_follows(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.backends.OutageBackend"
    scheduled = []
    monkeypatch.setattr(
        delivery, "schedule", lambda task, pk, countdown=None: scheduled.append((task, pk, countdown))
    )
    message = EmailMessageFactory()
    assert outbox.email_send(message_id=message.pk) == "retry"
    [(signature, pk, countdown)] = scheduled
    assert signature.kwargs == {"retry_of": 1} and pk == message.pk and countdown > 0
    message.refresh_from_db()
    assert message.next_attempt_at > timezone.now()


def test_a_new_email_goes_out_at_once(run_on_commit):
    with run_on_commit():
        message = api.email_queue(to="new@example.com", template="email_test", context={"provider": "x"})
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1
    assert message.next_attempt_at <= message.last_attempt_at


def test_a_rerun_broadcast_batch_does_not_retry_rows_in_backoff(make_user, run_on_commit):
    make_user("logistics", email="l1@example.com")
    make_user("logistics", email="l2@example.com")
    with run_on_commit():
        broadcast = broadcasts.broadcast_create(subject="S", body="B", audience="role:logistics")
    assert len(mail.outbox) == 2
    # One recipient's email failed and waits for its retry; the batch task is delivered again.
    row = EmailMessage.objects.get(to=["l1@example.com"])
    EmailMessage.objects.filter(pk=row.pk).update(
        status=Status.PENDING, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    broadcast.refresh_from_db()
    broadcast.status = broadcast.Status.SENDING
    broadcast.save(update_fields=["status"])
    ids = [
        str(pk) for pk in BroadcastRecipient.objects.filter(broadcast=broadcast).values_list("pk", flat=True)
    ]
    mail.outbox.clear()
    assert broadcasts.broadcast_batch_send(broadcast_id=broadcast.pk, recipient_ids=ids) == {}
    assert mail.outbox == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)


def test_an_sms_in_backoff_is_not_retried_early(run_on_commit):
    with run_on_commit():
        message = api.sms_send(to="+15555550123", body="Shipped")
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsMessage.Status.PENDING, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert tasks.send_sms_message(str(message.pk)) == "skipped"
    assert tasks.send_sms_message(str(message.pk), retry_of=1) == "sent"
