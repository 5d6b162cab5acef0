import pytest

from apps.core.models import ActivityLog

pytestmark = pytest.mark.django_db


def test_erasure_removes_the_person_from_the_activity_log_but_keeps_the_entries(auth_client):
    admin = auth_client("admin")
    created = admin.post(
        "/api/v1/users",
        {
            "email": "gone@example.com",
            "full_name": "Gone Person",
            "roles": ["sales"],
            "password": "Sup3r-secret-pw",
        },
        format="json",
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    from apps.accounts.models import User

    customer = auth_client(user=User.objects.get(pk=user_id))
    customer.patch("/api/v1/settings", {"company_name": "By Gone"}, format="json")  # 403, sales role
    assert customer.delete("/api/v1/auth/me").status_code == 204

    entries = ActivityLog.objects.filter(entity_id=user_id)
    assert entries.count() == 2  # the admin's create, the erase
    dump = repr(list(ActivityLog.objects.values()))
    assert "gone@example.com" not in dump
    assert "Gone Person" not in dump
    erase = entries.get(action="user.erase")
    assert erase.actor_id is not None and erase.actor_email == ""
    assert erase.entity_repr == "(erased user)"
