"""The notifications admin: the outbox (filters, search, read-only bodies with a sandboxed HTML
preview, the retry action through the service), broadcasts with progress (created through the
service), suppressions and notifications (every write in the activity log)."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.core.models import ActivityLog
from apps.notifications import api
from apps.notifications.models import Broadcast, EmailMessage, Suppression

from .factories import EmailMessageFactory, NotificationFactory, SuppressionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site_client(client, make_user):
    client.force_login(make_user("admin"))
    return client


@pytest.fixture
def support_site_client(client, make_user):
    client.force_login(make_user("support"))
    return client


def test_every_page_renders(admin_site_client, run_on_commit):
    with run_on_commit():
        message = api.email_queue(to="a@example.com", template="email_test", context={"provider": "x"})
    SuppressionFactory()
    NotificationFactory()
    broadcast = Broadcast.objects.create(subject="S", body="B", audience="all_customers")
    for name in (
        "emailmessage",
        "broadcast",
        "suppression",
        "notification",
        "notificationpreference",
        "smsmessage",
    ):
        response = admin_site_client.get(reverse(f"admin:notifications_{name}_changelist"))
        assert response.status_code == 200, name
    url = reverse("admin:notifications_emailmessage_changelist")
    for params in (
        {"status__exact": "sent"},
        {"template": "email_test"},
        {"q": "a@example.com"},
        {"created_at__year": str(message.created_at.year)},
    ):
        response = admin_site_client.get(url, params)
        assert response.status_code == 200 and b"a@example.com" in response.content, params
    page = admin_site_client.get(reverse("admin:notifications_emailmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert b'<iframe sandbox="" srcdoc="' in page.content and b'name="_save"' not in page.content
    assert b"test email from Foundry" in page.content
    assert admin_site_client.get(reverse("admin:notifications_emailmessage_add")).status_code == 403
    detail = admin_site_client.get(reverse("admin:notifications_broadcast_change", args=[broadcast.pk]))
    assert detail.status_code == 200 and b"Pending" in detail.content


def test_one_time_links_are_hidden_from_staff(admin_site_client, make_user, run_on_commit):
    from apps.accounts.services import password_reset_send

    with run_on_commit():
        password_reset_send(user=make_user(email="someone@example.com"))
    token_link = mail.outbox[0].body.split("reset-password?")[1].split()[0]
    row = EmailMessage.objects.get(template="password_reset")
    EmailMessage.objects.filter(pk=row.pk).update(status="failed")  # even before it was blanked
    page = admin_site_client.get(reverse("admin:notifications_emailmessage_change", args=[row.pk]))
    assert page.status_code == 200 and b"Hidden: this email carries a one-time link." in page.content
    assert token_link.encode() not in page.content


def test_retry_action_goes_through_the_service(support_site_client, run_on_commit):
    failed = EmailMessageFactory(status="failed", attempts=5)
    sent = EmailMessageFactory(status="sent", attempts=1)
    with run_on_commit():
        response = support_site_client.post(
            reverse("admin:notifications_emailmessage_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert b"Queued 1 email(s) again." in response.content
    assert b"Only a failed email can be retried" in response.content
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 1
    assert ActivityLog.objects.filter(action="email.retry", entity_id=str(failed.pk)).count() == 1


def test_broadcast_created_in_the_admin_is_sent_and_logged(admin_site_client, make_user, run_on_commit):
    make_user("customer", email="reader@example.com")
    with run_on_commit():
        response = admin_site_client.post(
            reverse("admin:notifications_broadcast_add"),
            {"subject": "Price list 2026", "body": "Attached soon.", "audience": "all_customers"},
            follow=True,
        )
    assert response.status_code == 200
    broadcast = Broadcast.objects.get()
    assert broadcast.status == "done" and [m.to for m in mail.outbox] == [["reader@example.com"]]
    assert ActivityLog.objects.filter(action="broadcast.create", entity_id=str(broadcast.pk)).exists()
    page = admin_site_client.get(reverse("admin:notifications_broadcast_changelist"))
    assert b"Price list 2026" in page.content


def test_support_cannot_create_broadcasts(support_site_client):
    assert support_site_client.get(reverse("admin:notifications_broadcast_add")).status_code == 403


def test_suppressions_added_and_removed_by_staff_are_logged(admin_site_client):
    response = admin_site_client.post(
        reverse("admin:notifications_suppression_add"),
        {"email": "Stop.Me@Example.com", "reason": "manual", "detail": "asked by phone"},
    )
    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert suppression.email == "stop.me@example.com" and suppression.source == "staff"
    assert ActivityLog.objects.filter(action="create", entity_id=str(suppression.pk)).exists()
    admin_site_client.post(
        reverse("admin:notifications_suppression_delete", args=[suppression.pk]), {"post": "yes"}
    )
    assert not Suppression.objects.exists()
    assert ActivityLog.objects.filter(action="delete", entity_id=str(suppression.pk)).exists()
