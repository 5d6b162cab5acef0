"""Stale-lead reminders (beat, hourly): an inquiry still ``new`` LEADS_STALE_HOURS after it
arrived gets one reminder: an email to its assignee (else to the sales role) and an in-app
notification to the assignee. Never twice, never for inquiries that moved on, were deleted or
are younger than the threshold."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.leads.models import Inquiry
from apps.leads.services import inquiries
from apps.leads.tasks import remind_stale_inquiries
from apps.notifications.models import EmailMessage, Notification

from .factories import InquiryFactory

pytestmark = pytest.mark.django_db


def aged(hours: float, **fields) -> Inquiry:
    inquiry = InquiryFactory(**fields)
    Inquiry.all_objects.filter(pk=inquiry.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    return Inquiry.all_objects.get(pk=inquiry.pk)


def reminders():
    return EmailMessage.objects.filter(template="inquiry_stale")


def test_the_assignee_is_reminded_once_by_email_and_in_app(
    make_user, settings, django_capture_on_commit_callbacks
):
    settings.LEADS_STALE_HOURS = 24
    sales = make_user("sales")
    stale = inquiries.inquiry_assign(inquiry=aged(30, company="Acme"), assignee=sales, actor=None)

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_stale_inquiries() == 1
    email = reminders().get()
    assert email.to == [sales.email] and email.reply_to == [stale.email]
    assert "Acme" in email.subject and "30 h" in email.subject
    sent = [m for m in mail.outbox if m.subject == email.subject]  # rendered and sent by the outbox
    assert len(sent) == 1 and "Acme" in sent[0].body and str(stale.pk) in sent[0].body
    note = Notification.objects.get(user=sales)
    assert "Acme" in note.title and str(stale.pk) in note.link
    assert Inquiry.objects.get(pk=stale.pk).stale_reminded_at is not None

    # The next hour's run (or a second beat) finds nothing left to remind.
    assert remind_stale_inquiries() == 0
    assert reminders().count() == 1 and Notification.objects.filter(user=sales).count() == 1


def test_an_unassigned_inquiry_reminds_the_sales_role(make_user):
    sales = [make_user("sales"), make_user("sales")]
    make_user("support")
    aged(48, assigned_to=None)
    assert remind_stale_inquiries() == 1
    assert sorted(reminders().get().to) == sorted(u.email for u in sales)
    assert not Notification.objects.exists()


def test_only_new_live_inquiries_past_the_threshold(make_user, settings):
    settings.LEADS_STALE_HOURS = 24
    sales = make_user("sales")
    young = aged(23, assigned_to=sales)
    answered = aged(30, assigned_to=sales, status=Inquiry.Status.IN_PROGRESS)
    deleted = aged(30, assigned_to=sales)
    Inquiry.all_objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    due = aged(24.5, assigned_to=sales)

    assert remind_stale_inquiries() == 1
    assert reminders().get().related_object_id == str(due.pk)
    reminded = set(Inquiry.all_objects.filter(stale_reminded_at__isnull=False).values_list("pk", flat=True))
    assert reminded == {due.pk}
    assert {young.pk, answered.pk, deleted.pk}.isdisjoint(reminded)


def test_the_threshold_is_a_setting(make_user, settings):
    make_user("sales")
    aged(5)
    settings.LEADS_STALE_HOURS = 6
    assert remind_stale_inquiries() == 0
    settings.LEADS_STALE_HOURS = 4
    assert remind_stale_inquiries() == 1


def test_beat_runs_it_hourly():
    from celery.schedules import crontab

    from config.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "leads.remind_stale_inquiries"]
    assert len(entries) == 1 and isinstance(entries[0]["schedule"], crontab)
    assert "leads.remind_stale_inquiries" in app.tasks
