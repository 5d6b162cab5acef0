import pytest
from django.contrib import admin
from django.test import RequestFactory

from apps.core.models import ActivityLog, SiteSettings

pytestmark = pytest.mark.django_db


def test_staff_write_through_the_api_is_logged_with_before_after_ip_and_agent(auth_client):
    client = auth_client("admin")
    response = client.patch(
        "/api/v1/settings",
        {"company_name": "Acme Tractors", "low_stock_threshold": 9},
        format="json",
        HTTP_USER_AGENT="pytest-agent/1.0",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200, response.content
    log = ActivityLog.objects.get(entity_type="core.sitesettings")
    assert log.actor == client.user
    assert log.actor_email == client.user.email
    assert log.action == "update"
    assert log.before == {"company_name": "Foundry", "low_stock_threshold": 5}
    assert log.after == {"company_name": "Acme Tractors", "low_stock_threshold": 9}
    assert log.ip_address == "10.1.2.3"
    assert log.user_agent == "pytest-agent/1.0"


def test_a_write_that_changes_nothing_is_not_logged(auth_client):
    client = auth_client("admin")
    client.patch("/api/v1/settings", {"company_name": "Foundry"}, format="json")
    assert not ActivityLog.objects.exists()


def test_activity_log_api_lists_and_filters_for_admins(auth_client):
    client = auth_client("admin")
    client.patch("/api/v1/settings", {"company_name": "One"}, format="json")
    client.post(
        "/api/v1/users",
        {"email": "x@example.com", "roles": ["sales"], "password": "Sup3r-secret-pw"},
        format="json",
    )
    body = client.get("/api/v1/activity-logs").json()
    assert body["count"] == 2
    only_users = client.get("/api/v1/activity-logs", {"entity_type": "accounts.user"}).json()
    assert only_users["count"] == 1
    assert only_users["results"][0]["action"] == "create"
    by_actor = client.get("/api/v1/activity-logs", {"user": str(client.user.pk), "action": "update"}).json()
    assert by_actor["count"] == 1
    assert client.get("/api/v1/activity-logs", {"created_after": "not-a-date"}).status_code == 400


def test_activity_log_is_read_only_through_the_api(auth_client):
    client = auth_client("admin")
    assert client.post("/api/v1/activity-logs", {"action": "x"}, format="json").status_code == 405
    assert client.delete("/api/v1/activity-logs").status_code == 405


def test_activity_log_is_append_only_in_the_model_and_admin(make_user):
    log = ActivityLog.objects.create(action="test", entity_type="x")
    log.action = "changed"
    with pytest.raises(ValueError):
        log.save()
    with pytest.raises(ValueError):
        log.delete()
    model_admin = admin.site._registry[ActivityLog]
    request = RequestFactory().get("/admin/")
    request.user = make_user("admin", is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, log)
    assert not model_admin.has_delete_permission(request, log)


def test_admin_writes_are_logged(client, make_user):
    superuser = make_user("admin", is_superuser=True)
    client.force_login(superuser)
    SiteSettings.objects.get_or_create(singleton=1)
    response = client.post(
        "/admin/core/sitesettings/1/change/",
        {
            "company_name": "Admin Co",
            "support_email": "help@admin.co",
            "default_currency": "NGN",
            "low_stock_threshold": 3,
        },
    )
    assert response.status_code == 302, response.content[:500]
    log = ActivityLog.objects.get(entity_type="core.sitesettings")
    assert log.actor == superuser
    assert log.after["company_name"] == "Admin Co"
    assert log.before["company_name"] == "Foundry"


def test_site_settings_get_for_staff_and_patch_validation(auth_client):
    staff = auth_client("support")
    assert staff.get("/api/v1/settings").json()["company_name"] == "Foundry"
    assert staff.patch("/api/v1/settings", {"company_name": "X"}, format="json").status_code == 403
    admin_client = auth_client("admin")
    bad = admin_client.patch("/api/v1/settings", {"default_currency": "dollars"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "default_currency"


def test_email_test_sends_through_the_configured_provider(
    auth_client, mailoutbox, django_capture_on_commit_callbacks
):
    client = auth_client("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/settings/email-test", {"to": "ops@example.com"}, format="json")
    assert response.status_code == 202
    assert [m.to for m in mailoutbox] == [["ops@example.com"]]
    assert "test email" in mailoutbox[0].subject
