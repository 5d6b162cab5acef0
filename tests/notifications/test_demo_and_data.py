"""Demo data (idempotent), personal data (GDPR export and erasure) and the roles' permissions."""

import pytest
from django.contrib.auth.models import Group

from apps.accounts import demo as accounts_demo
from apps.accounts.selectors import user_personal_data_export
from apps.accounts.services import user_erase
from apps.notifications import api
from apps.notifications import demo as notifications_demo
from apps.notifications.models import (
    EmailMessage,
    Notification,
    NotificationPreference,
    SmsMessage,
    Suppression,
)

from .factories import SuppressionFactory

pytestmark = pytest.mark.django_db


def test_demo_notifications_are_varied_and_seeded_once(settings):
    accounts_demo.seed()
    notifications_demo.seed()
    counts = (EmailMessage.objects.count(), Notification.objects.count(), Suppression.objects.count())
    notifications_demo.seed()
    assert (EmailMessage.objects.count(), Notification.objects.count(), Suppression.objects.count()) == counts
    assert set(EmailMessage.objects.values_list("status", flat=True)) == {"sent", "failed"}
    assert EmailMessage.objects.filter(delivery_status="delivered").exists()
    assert (
        Notification.objects.filter(user__email=settings.DEMO_ADMIN_EMAIL, read_at__isnull=True).count() == 2
    )
    assert not EmailMessage.objects.filter(status="pending").exists()  # nothing for the sweeper to send


def test_export_and_erase_what_notifications_hold(make_user, run_on_commit):
    user = make_user(email="gdpr@example.com", phone="+15555550199")
    api.notification_create(user=user, title="Hello")
    NotificationPreference.objects.create(user=user, sms_opt_in=True)
    SuppressionFactory(email="gdpr@example.com")
    with run_on_commit():
        api.email_queue(to="someone@example.com", template="email_test", context={})
        api.sms_send(user=user, body="Your order shipped")
    EmailMessage.objects.update(to=["gdpr@example.com"])
    exported = user_personal_data_export(user=user)["notifications"]
    assert [n["title"] for n in exported["notifications"]] == ["Hello"]
    assert exported["preferences"] == {"sms_opt_in": True, "whatsapp_opt_in": False}
    assert [e["template"] for e in exported["emails"]] == ["email_test"]
    assert exported["text_messages"][0]["body"] == "Your order shipped" and exported["suppressed"] is True

    user_erase(user=user)
    assert not Notification.objects.exists() and not NotificationPreference.objects.exists()
    assert not Suppression.objects.exists()
    email = EmailMessage.objects.get()
    assert email.to == [] and email.subject == "(erased)" and "gdpr" not in email.body_text
    sms = SmsMessage.objects.get()
    assert sms.to == "" and sms.body == "(erased)" and sms.user is None


def test_support_may_view_and_retry_outbox_emails_and_admin_holds_everything():
    support = set(Group.objects.get(name="support").permissions.values_list("codename", flat=True))
    assert {"view_emailmessage", "change_emailmessage", "view_broadcast", "view_suppression"} <= support
    assert "add_broadcast" not in support
    admin = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {"add_broadcast", "add_suppression", "delete_suppression", "change_emailmessage"} <= admin
