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
