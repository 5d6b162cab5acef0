"""In-app notifications (GET /api/v1/notifications, POST /api/v1/notifications/{id}/read) and
the channel preferences (GET/PATCH /api/v1/notifications/preferences)."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications import api
from apps.notifications.models import Notification
from tests.helpers import assert_error

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications"
PREFERENCES = "/api/v1/notifications/preferences"


def read_url(notification):
    return f"/api/v1/notifications/{notification.pk}/read"


def test_the_list_shows_only_the_callers_notifications_newest_first(auth_client):
    me = auth_client("customer")
    other = auth_client("customer")
    first = api.notification_create(
        user=me.user, title="Order shipped", body="FD-1 is on its way", link="/orders/FD-1"
    )
    second = api.notification_create(user=me.user, title="Quote ready")
    api.notification_create(user=other.user, title="Not yours")
    body = me.get(LIST).json()
    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [str(second.pk), str(first.pk)]
    assert body["results"][1] == {
        "id": str(first.pk),
        "title": "Order shipped",
        "body": "FD-1 is on its way",
        "link": "/orders/FD-1",
        "read_at": None,
        "created_at": body["results"][1]["created_at"],
    }


def test_mark_read_and_the_unread_filter(auth_client):
    me = auth_client("sales")
    one, two = NotificationFactory(user=me.user), NotificationFactory(user=me.user)
    response = me.post(read_url(one))
    assert response.status_code == 200 and response.json()["read_at"]
    first_read_at = response.json()["read_at"]
    assert me.post(read_url(one) + "/").json()["read_at"] == first_read_at  # again: unchanged
    assert [n["id"] for n in me.get(LIST, {"unread": "true"}).json()["results"]] == [str(two.pk)]
    assert [n["id"] for n in me.get(LIST, {"unread": "false"}).json()["results"]] == [str(one.pk)]
    assert_error(me.get(LIST, {"unread": "maybe"}), 400, kind="validation_error", attr="unread")


def test_another_users_notification_is_404_and_stays_unread(auth_client):
    mine = auth_client("customer")
    theirs = NotificationFactory()
    assert_error(mine.post(read_url(theirs)), 404)
    assert_error(mine.post(f"/api/v1/notifications/{uuid.uuid4()}/read"), 404)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_401(api_client):
    notification = NotificationFactory()
    assert_error(api_client.get(LIST), 401)
    assert_error(api_client.post(read_url(notification)), 401)
    assert_error(api_client.get(PREFERENCES), 401)


def test_list_queries_do_not_grow_with_page_size(auth_client):
    me = auth_client("customer")
    Notification.objects.bulk_create(Notification(user=me.user, title=f"N{i}") for i in range(110))
    me.get(LIST, {"page_size": 5})
    counts = {}
    for size in (1, 20, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = me.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts


def test_notification_create_validates_title_and_link(make_user):
    user = make_user()
    with pytest.raises(ValidationError) as error:
        api.notification_create(user=user, title=" ", link="javascript:alert(1)")
    assert set(error.value.message_dict) == {"title", "link"}
    with pytest.raises(ValidationError):
        api.notification_create(user=user, title="x", link="//evil.example.com")
    assert (
        api.notification_create(user=user, title="ok", link="https://foundry.test/x").link
        == "https://foundry.test/x"
    )


def test_preferences_opt_in_needs_a_phone(auth_client):
    no_phone = auth_client("customer", phone="")
    assert no_phone.get(PREFERENCES).json() == {
        "sms_opt_in": False,
        "whatsapp_opt_in": False,
        "phone": "",
        "updated_at": None,
    }
    assert_error(
        no_phone.patch(PREFERENCES, {"sms_opt_in": True}, format="json"),
        400,
        kind="validation_error",
        attr="sms_opt_in",
    )
    with_phone = auth_client("customer", phone="+2348012345678")
    response = with_phone.patch(PREFERENCES, {"whatsapp_opt_in": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["whatsapp_opt_in"] is True and response.json()["sms_opt_in"] is False
    assert with_phone.get(PREFERENCES).json()["whatsapp_opt_in"] is True
