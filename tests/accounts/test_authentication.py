"""The authenticated user is cached; every change to the user or their roles drops it."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import services

pytestmark = pytest.mark.django_db


def test_second_authenticated_request_costs_no_sql(auth_client):
    client = auth_client("customer")
    assert client.get("/api/v1/auth/me").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/auth/me").status_code == 200
    assert len(queries) == 0


def test_deactivation_is_refused_at_once_despite_the_cache(auth_client):
    client = auth_client("customer")
    assert client.get("/api/v1/auth/me").status_code == 200
    admin = auth_client("admin").user
    services.user_deactivate(user=client.user, actor=admin)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401


def test_role_change_shows_at_once(auth_client):
    client = auth_client("customer")
    assert client.get("/api/v1/auth/me").json()["roles"] == ["customer"]
    assert client.get("/api/v1/settings").status_code == 403
    client.user.groups.add(Group.objects.get(name="support"))
    assert client.get("/api/v1/auth/me").json()["roles"] == ["customer", "support"]
    assert client.get("/api/v1/settings").status_code == 200
    Group.objects.get(name="support").user_set.remove(client.user)  # the reverse side
    assert client.get("/api/v1/settings").status_code == 403


def test_profile_update_shows_at_once(auth_client):
    client = auth_client("customer")
    client.get("/api/v1/auth/me")
    client.patch("/api/v1/auth/me", {"full_name": "New Name"}, format="json")
    assert client.get("/api/v1/auth/me").json()["full_name"] == "New Name"


def test_model_permissions_ride_with_the_cached_user_and_follow_their_roles_permissions(auth_client):
    """A sales user sees only assigned inquiries until the sales role is granted model-wide view
    (a "sales manager" role change made in the admin): the cached user's permissions follow
    at once, and checking them costs no SQL."""
    from django.contrib.auth.models import Permission

    from tests.leads.factories import InquiryFactory

    InquiryFactory.create_batch(3)
    client = auth_client("sales")
    assert client.get("/api/v1/inquiries").json()["count"] == 0
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/inquiries").json()["count"] == 0
    assert not [q for q in queries if "auth_permission" in q["sql"] and "auth_user_groups" in q["sql"]]
    view = Permission.objects.get(content_type__app_label="leads", codename="view_inquiry")
    sales = Group.objects.get(name="sales")
    sales.permissions.add(view)
    assert client.get("/api/v1/inquiries").json()["count"] == 3
    view.group_set.remove(sales)  # the reverse side
    assert client.get("/api/v1/inquiries").json()["count"] == 0
