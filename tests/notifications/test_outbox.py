"""The email outbox: rows in the caller's transaction, sent after commit through Django's email
backend (anymail's Resend backend against a local Resend fake where the provider matters),
claimed before sending, retried with backoff, swept when lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import password_reset_send
from apps.core.services import site_settings_update
from apps.notifications import api
from apps.notifications.models import EmailMessage
from apps.notifications.services import delivery, outbox
from apps.notifications.tasks import send_email_message, sweep_outbox

from . import backends
from .factories import EmailMessageFactory, SuppressionFactory

pytestmark = pytest.mark.django_db

Status = EmailMessage.Status


def queue(**kwargs):
    return api.email_queue(
        **{"to": "ops@example.com", "template": "email_test", "context": {"provider": "test"}, **kwargs}
    )


# --- Queue -------------------------------------------------------------------------------------


def test_queue_creates_one_row_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue(to=["a@example.com", "B <b@example.com>"])
    assert len(callbacks) == 1 and mail.outbox == []
    assert EmailMessage.objects.get(pk=message.pk).status == Status.PENDING
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1 and message.sent_at
    [sent] = mail.outbox
    assert sent.to == ["a@example.com", "B <b@example.com>"]
    assert sent.subject == "Foundry: test email"
    assert sent.reply_to == ["support@foundry.local"]
    assert "test email from Foundry" in sent.body
    assert sent.alternatives[0][1] == "text/html"


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(run_on_commit):
    with run_on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the business change failed")
    assert not EmailMessage.objects.exists() and mail.outbox == []


def test_invalid_recipients_are_refused_in_the_callers_transaction():
    with pytest.raises(ValidationError) as error:
        queue(to=["fine@example.com", "not an address"])
    assert "to" in error.value.message_dict
    with pytest.raises(ValidationError):
        queue(to=[])
    assert not EmailMessage.objects.exists()


def test_context_stored_as_json_and_related_object_linked(make_user, run_on_commit):
    user = make_user()
    with run_on_commit():
        message = queue(context={"provider": "test", "user": user, "when": timezone.now()}, related=user)
    message.refresh_from_db()
    assert message.context["user"] == str(user.pk) and isinstance(message.context["when"], str)
    assert message.related == user and message.related_object_id == str(user.pk)


def test_explicit_subject_reply_to_sender_and_attachments(run_on_commit):
    with run_on_commit():
        queue(
            subject="Line one\nline two",
            reply_to=["sales@example.com"],
            from_email="Sales <sales@foundry.local>",
            attachments=[("quote.pdf", b"%PDF-1.4 fake", "application/pdf")],
        )
    [sent] = mail.outbox
    assert sent.subject == "Line one line two"  # never a header injection
    assert sent.reply_to == ["sales@example.com"] and sent.from_email == "Sales <sales@foundry.local>"
    assert sent.attachments == [("quote.pdf", b"%PDF-1.4 fake", "application/pdf")]


def test_attachments_over_the_limit_are_refused(settings):
    settings.EMAIL_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(Exception) as error:
        queue(attachments=[("big.bin", b"x" * 11, "application/octet-stream")])
    assert getattr(error.value, "status_code", None) == 413
    assert not EmailMessage.objects.exists()


# --- Suppression -----------------------------------------------------------------------------


def test_suppressed_addresses_are_skipped_and_a_fully_suppressed_email_is_failed_unsent(run_on_commit):
    SuppressionFactory(email="gone@example.com")
    with run_on_commit():
        partial = queue(to=["Gone <GONE@example.com>", "here@example.com"])
        blocked = queue(to="gone@example.com")
    partial.refresh_from_db()
    blocked.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["here@example.com"]]
    assert partial.status == Status.SENT and partial.suppressed_recipients == ["Gone <GONE@example.com>"]
    assert blocked.status == Status.FAILED and blocked.attempts == 0 and "suppressed" in blocked.error_message


def test_an_address_suppressed_after_queueing_is_skipped_at_send_time(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue(to="late@example.com")
    SuppressionFactory(email="late@example.com")
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Status.FAILED and mail.outbox == []


# --- Claims: never twice ---------------------------------------------------------------------


def test_a_duplicate_task_finds_nothing_to_claim_and_sends_nothing(run_on_commit):
    with run_on_commit():
        message = queue()
    assert len(mail.outbox) == 1
    assert send_email_message.delay(str(message.pk)).get() == "skipped"
    assert send_email_message(str(message.pk)) == "skipped"
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_row_being_sent_cannot_be_claimed_again():
    message = EmailMessageFactory()
    assert delivery.claim(model=EmailMessage, pk=message.pk) is True
    assert delivery.claim(model=EmailMessage, pk=message.pk) is False
    assert outbox.email_send(message_id=message.pk) == "skipped"
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == Status.SENDING and message.attempts == 1


# --- Provider errors: retries with backoff, then failed ---------------------------------------


def test_a_provider_outage_is_retried_with_backoff_then_the_email_fails(
    resend, fast_retries, settings, run_on_commit
):
    resend.fail_next(503, times=None, path="^/emails$")
    with run_on_commit():
        message = queue()
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == settings.EMAIL_MAX_ATTEMPTS == 4
    assert "503" in message.error_message and message.sent_at is None
    assert len(resend.requests_to("^/emails$", "POST")) == 4
    assert resend.emails == []


def test_a_provider_that_recovers_gets_the_email_on_a_later_attempt(resend, fast_retries, run_on_commit):
    resend.fail_next(503, times=2, path="^/emails$")
    with run_on_commit():
        message = queue(to="ops@example.com")
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 3 and message.error_message == ""
    [delivered] = resend.emails
    assert delivered["to"] == ["ops@example.com"] and delivered["subject"] == "Foundry: test email"
    assert message.provider_message_id == delivered["id"]


def test_a_failing_backend_is_retried_up_to_the_maximum(settings, fast_retries, run_on_commit):
    settings.EMAIL_BACKEND = "tests.notifications.backends.OutageBackend"
    backends.OutageBackend.calls = 0
    with run_on_commit():
        message = queue()
    message.refresh_from_db()
    assert (message.status, message.attempts, backends.OutageBackend.calls) == (Status.FAILED, 4, 4)


def test_a_refused_recipient_fails_at_once_without_retrying(settings, fast_retries, run_on_commit):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    with run_on_commit():
        message = queue(to="broken@example.com")
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 1
    assert "AnymailRecipientsRefused" in message.error_message


def test_a_retry_waits_with_backoff_and_jitter(settings, monkeypatch):
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 60
    settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS = 600
    settings.EMAIL_BACKEND = "tests.notifications.backends.OutageBackend"
    scheduled = []
    monkeypatch.setattr(delivery, "schedule", lambda task, pk, countdown=None: scheduled.append(countdown))
    message = EmailMessageFactory()
    before = timezone.now()
    assert outbox.email_send(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 1 and "503" in message.error_message
    assert 30 <= scheduled[0] <= 60
    assert before + timedelta(seconds=29) <= message.next_attempt_at <= timezone.now() + timedelta(seconds=61)
    delays = [delivery.backoff_seconds(attempt=n) for n in range(1, 8) for _ in range(20)]
    assert min(delays) >= 30 and max(delays) <= 600
    assert all(300 <= delivery.backoff_seconds(attempt=8) <= 600 for _ in range(20))  # capped


# --- The sweeper -------------------------------------------------------------------------------


def test_the_sweeper_recovers_a_lost_task(django_capture_on_commit_callbacks, run_on_commit):
    with django_capture_on_commit_callbacks(execute=False):
        message = queue()  # the task never reaches the broker
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=3))
    fresh = EmailMessageFactory()  # queued a moment ago: its task may still be on its way
    with run_on_commit():
        result = sweep_outbox.delay().get()
    assert result["emails_requeued"] == 1
    message.refresh_from_db()
    fresh.refresh_from_db()
    assert message.status == Status.SENT and fresh.status == Status.PENDING
    assert len(mail.outbox) == 1


def test_the_sweeper_recovers_a_row_whose_worker_died_while_sending(settings, run_on_commit):
    long_ago = timezone.now() - timedelta(seconds=settings.EMAIL_SENDING_TIMEOUT_SECONDS + 60)
    stale = EmailMessageFactory(status=Status.SENDING, attempts=1, last_attempt_at=long_ago)
    exhausted = EmailMessageFactory(
        status=Status.SENDING, attempts=settings.EMAIL_MAX_ATTEMPTS, last_attempt_at=long_ago
    )
    busy = EmailMessageFactory(status=Status.SENDING, attempts=1, last_attempt_at=timezone.now())
    with run_on_commit():
        result = sweep_outbox()
    assert (result["emails_recovered"], result["emails_failed"]) == (1, 1)
    for row in (stale, exhausted, busy):
        row.refresh_from_db()
    assert stale.status == Status.SENT and stale.attempts == 2
    assert exhausted.status == Status.FAILED and "worker stopped" in exhausted.error_message
    assert busy.status == Status.SENDING  # its worker may still be at it: left alone
    assert [m.to for m in mail.outbox] == [stale.to]


def test_two_sweeps_in_a_row_enqueue_a_lost_row_once(django_capture_on_commit_callbacks):
    message = EmailMessageFactory(next_attempt_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=False) as first:
        outbox.outbox_sweep()
    with django_capture_on_commit_callbacks(execute=False) as second:
        outbox.outbox_sweep()
    assert len(first) == 1 and len(second) == 0
    first[0]()
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_the_sending_timeout_must_exceed_the_task_time_limit():
    from django.conf import settings as live

    assert live.EMAIL_SENDING_TIMEOUT_SECONDS > live.CELERY_TASK_TIME_LIMIT


# --- Password reset, through the outbox ----------------------------------------------------


def test_password_reset_goes_through_the_outbox_and_its_secret_is_not_kept(make_user, run_on_commit):
    user = make_user(email="reset.me@example.com", full_name="Reset Me")
    with run_on_commit():
        password_reset_send(user=user)
    [sent] = mail.outbox
    assert "reset-password?uid=" in sent.body and sent.subject == "Reset your Foundry password"
    assert "Hello Reset," in sent.body
    row = EmailMessage.objects.get(template="password_reset")
    assert row.status == Status.SENT and row.to == ["reset.me@example.com"] and row.related == user
    assert row.context == {} and "reset-password" not in row.body_text + row.body_html


def test_an_invitation_uses_its_own_template(make_user, run_on_commit):
    user = make_user(email="new.hire@example.com")
    with run_on_commit():
        password_reset_send(user=user, invitation=True)
    [sent] = mail.outbox
    assert sent.subject == "You are invited to Foundry" and "Choose your password" in sent.body
    assert EmailMessage.objects.get().template == "invitation"


def test_the_email_shows_the_current_site_settings(run_on_commit):
    site_settings_update(actor=None, data={"company_name": "Acme Pumps", "support_email": "help@acme.test"})
    with run_on_commit():
        queue()
    [sent] = mail.outbox
    assert sent.subject == "Acme Pumps: test email" and sent.reply_to == ["help@acme.test"]
    assert "Write to help@acme.test" in sent.body and "Acme Pumps" in sent.body


def test_the_emails_of_one_transaction_go_to_the_worker_in_one_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        first, second = queue(to="a@example.com"), queue(to="b@example.com")
    assert len(callbacks) == 1  # one broker message for both
    assert mail.outbox == []
    callbacks[0]()
    assert {m.to[0] for m in mail.outbox} == {"a@example.com", "b@example.com"}
    assert set(
        EmailMessage.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {Status.SENT}


def test_an_email_queued_in_a_savepoint_that_rolls_back_is_not_in_the_batch(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        kept = queue(to="kept@example.com")
        try:
            with transaction.atomic():
                queue(to="dropped@example.com")
                raise RuntimeError("roll this savepoint back")
        except RuntimeError:
            pass
    assert len(callbacks) == 1
    assert [m.to[0] for m in mail.outbox] == ["kept@example.com"]
    assert EmailMessage.objects.get(pk=kept.pk).status == Status.SENT
    assert not any("dropped@example.com" in row.to for row in EmailMessage.objects.all())


# --- Rendered when sent ------------------------------------------------------------------------


def test_render_at_send_stores_the_row_and_the_worker_renders_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue(to="a@example.com", render_at_send=True, subject="Hello & welcome")
    message.refresh_from_db()
    assert (message.status, message.subject, message.body_text, message.body_html) == (
        Status.PENDING, "Hello & welcome", "", ""
    )  # fmt: skip
    site_settings_update(actor=None, data={"company_name": "Later Name Ltd"})
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert "Later Name Ltd" in message.body_text and message.body_html  # rendered when sent
    [sent] = mail.outbox
    assert sent.subject == "Hello & welcome" and "Later Name Ltd" in sent.body


def test_render_at_send_checks_suppressions_when_sending(django_capture_on_commit_callbacks):
    SuppressionFactory(email="gone@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(to="gone@example.com", render_at_send=True)
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.suppressed_recipients == ["gone@example.com"]
    assert mail.outbox == []


def test_render_at_send_needs_a_plain_json_context():
    from decimal import Decimal

    # A Decimal would not come back from the stored JSON as it went in: rendered at once.
    message = queue(render_at_send=True, context={"provider": "test", "amount": Decimal("1.50")})
    assert message.body_text


def test_a_template_that_cannot_render_fails_the_row_at_send(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue(render_at_send=True, template="no_such_template")
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Status.FAILED and "render" in message.error_message
    assert mail.outbox == []


def test_a_send_task_carries_at_most_a_batch_of_emails(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(outbox, "EMAIL_TASK_BATCH", 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for n in range(7):
            queue(to=f"r{n}@example.com")
    assert [len(callback.ids) for callback in callbacks] == [3, 3, 1]
