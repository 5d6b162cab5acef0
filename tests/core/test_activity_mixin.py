"""The reusable DRF mixin records staff creates, updates and deletes (later apps use it)."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from apps.core.activity import ActivityLoggedViewSetMixin
from apps.core.models import ActivityLog

pytestmark = pytest.mark.django_db


class _GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class _GroupViewSet(ActivityLoggedViewSetMixin, viewsets.ModelViewSet):
    queryset = Group.objects.order_by("id")
    serializer_class = _GroupSerializer
    permission_classes = [IsAuthenticated]


router = SimpleRouter(trailing_slash="")
router.register("groups", _GroupViewSet)
urlpatterns = [path("api/test/", include(router.urls))]


@override_settings(ROOT_URLCONF=__name__)
def test_staff_create_update_delete_are_logged(auth_client):
    client = auth_client("admin")
    created = client.post("/api/test/groups", {"name": "wholesale"}, format="json")
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert (
        client.patch(f"/api/test/groups/{group_id}", {"name": "wholesale-eu"}, format="json").status_code
        == 200
    )
    assert client.delete(f"/api/test/groups/{group_id}").status_code == 204

    logs = list(ActivityLog.objects.filter(entity_type="auth.group").order_by("created_at"))
    assert [log.action for log in logs] == ["create", "update", "delete"]
    assert all(log.actor == client.user and log.entity_id == str(group_id) for log in logs)
    assert logs[0].after["name"] == "wholesale"
    assert (logs[1].before, logs[1].after) == ({"name": "wholesale"}, {"name": "wholesale-eu"})
    assert logs[2].before["name"] == "wholesale-eu" and logs[2].after is None


@override_settings(ROOT_URLCONF=__name__)
def test_customer_writes_are_not_staff_writes(auth_client):
    client = auth_client("customer")
    assert client.post("/api/test/groups", {"name": "mine"}, format="json").status_code == 201
    assert not ActivityLog.objects.exists()
