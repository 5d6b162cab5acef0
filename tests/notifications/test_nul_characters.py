"""NUL characters (U+0000), which PostgreSQL cannot store in text or jsonb: a broadcast that holds
one is refused on its field (400); text other apps hand to the outbox, in-app notifications and
text messages has them removed, so the business change that caused the email still commits."""

import pytest
from django.core.exceptions import ValidationError

from apps.notifications import api
from apps.notifications.models import Broadcast, EmailMessage, Notification, SmsMessage
from apps.notifications.services import broadcasts
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

BROADCAST = "/api/v1/notifications/broadcast"


@pytest.mark.parametrize("field", ["subject", "body"])
def test_a_broadcast_with_a_nul_character_is_refused_on_that_field(admin_client_api, field):
    body = {"subject": "Closing early", "body": "At noon.", "audience": "all_customers"}
    body[field] += "\x00"
    assert_error(
        admin_client_api.post(BROADCAST, body, format="json"), 400, kind="validation_error", attr=field
    )
    with pytest.raises(ValidationError) as error:
        broadcasts.broadcast_create(**body)
    assert error.value.error_dict[field][0].code == "null_characters_not_allowed"
    assert not Broadcast.objects.exists()


def test_an_email_quoting_text_with_nul_characters_is_stored_without_them(run_on_commit):
    with run_on_commit():
        message = api.email_queue(
            to="ops@example.com",
            template="email_test",
            subject="RFQ from Ada\x00 Ltd",
            context={"provider": "te\x00st", "nested": {"k\x00": ["v\x00"]}},
        )
    message.refresh_from_db()
    assert message.subject == "RFQ from Ada Ltd" and message.status == EmailMessage.Status.SENT
    assert message.context == {"provider": "test", "nested": {"k": ["v"]}}
    assert "\x00" not in message.body_text + message.body_html


def test_in_app_notifications_and_text_messages_drop_nul_characters(make_user):
    user = make_user()
    notification = api.notification_create(user=user, title="New\x00 RFQ", body="b\x00", link="/rfqs/1\x00")
    notification = Notification.objects.get(pk=notification.pk)
    assert (notification.title, notification.body, notification.link) == ("New RFQ", "b", "/rfqs/1")
    sms = api.sms_send(to="+15555550123", body="Shipped\x00")
    assert SmsMessage.objects.get(pk=sms.pk).body == "Shipped"
