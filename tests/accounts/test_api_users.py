"""Staff user management: /api/v1/users and /api/v1/users/{id} (admin only)."""

import re
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.core.models import ActivityLog
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"
PASSWORD = "Sup3r-secret-pw"
STAFF_FIELDS = {
    "id",
    "email",
    "full_name",
    "phone",
    "company",
    "roles",
    "preferred_currency",
    "is_active",
    "is_staff",
    "email_verified",
    "date_joined",
    "last_login",
}


def detail(user_or_id):
    return f"{USERS}/{getattr(user_or_id, 'pk', user_or_id)}"


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


# --- List ------------------------------------------------------------------------------------


def test_admin_lists_users_in_the_page_envelope(admin, make_user):
    for _ in range(3):
        make_user()
    response = admin.get(USERS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == User.objects.count() == 4
    assert body["next"] is None and body["previous"] is None
    assert {r["id"] for r in body["results"]} == {str(pk) for pk in User.objects.values_list("pk", flat=True)}
    for row in body["results"]:
        assert set(row) == STAFF_FIELDS
        assert "password" not in row


def test_users_list_paginates_with_page_size(admin, make_user):
    for _ in range(4):
        make_user()
    first = admin.get(USERS, {"page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"] is not None and first["previous"] is None
    second = admin.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["previous"] is not None
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_users_list_works_with_a_trailing_slash(admin):
    response = admin.get(USERS + "/")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


def test_users_list_filters_by_role(admin, make_user):
    sales = {make_user("sales").pk, make_user("sales", "support").pk}
    make_user("support")
    make_user("customer")
    body = admin.get(USERS, {"role": "sales"}).json()
    assert body["count"] == 2
    assert {r["id"] for r in body["results"]} == {str(pk) for pk in sales}
    assert all("sales" in r["roles"] for r in body["results"])


def test_users_list_filters_by_is_active(admin, make_user):
    inactive = make_user(is_active=False)
    make_user()
    body = admin.get(USERS, {"is_active": "false"}).json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == str(inactive.pk)
    assert body["results"][0]["is_active"] is False
    active = admin.get(USERS, {"is_active": "true"}).json()
    assert active["count"] == 2
    assert all(r["is_active"] for r in active["results"])


def test_users_list_with_an_unknown_role_is_400(admin):
    assert_error(admin.get(USERS, {"role": "wizard"}), 400, kind="validation_error", attr="role")


def test_users_list_with_an_invalid_is_active_value_is_400(admin):
    # Contract: "unknown filter values → 400".
    assert_error(admin.get(USERS, {"is_active": "banana"}), 400, kind="validation_error", attr="is_active")


def test_users_list_searches_email_and_name(admin, make_user):
    target = make_user(email="needle@example.com", full_name="Haystack Person")
    make_user(email="other@example.com", full_name="Someone Else")
    for term in ("needle", "Haystack"):
        body = admin.get(USERS, {"search": term}).json()
        assert [r["id"] for r in body["results"]] == [str(target.pk)]


def test_users_list_query_count_does_not_grow_with_page_size(admin, make_user):
    for i in range(30):
        make_user("sales" if i % 2 else "customer", "support" if i % 3 == 0 else "customer")
    admin.get(USERS, {"page_size": 1})  # warm up once-per-process caches (content types, ...)
    counts = {}
    for size in (1, 20, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = admin.get(USERS, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, 31)
        counts[size] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts
    assert counts[1] <= 6, counts


# --- Retrieve --------------------------------------------------------------------------------


def test_admin_reads_one_user(admin, make_user):
    user = make_user("finance", phone="+234800")
    response = admin.get(detail(user))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == STAFF_FIELDS
    assert body["id"] == str(user.pk)
    assert body["roles"] == ["finance"]
    assert body["is_staff"] is True
    assert admin.get(detail(user) + "/").json()["id"] == str(user.pk)


@pytest.mark.parametrize("pk", [uuid.uuid4(), "not-a-uuid", "12345"])
def test_reading_an_unknown_user_is_404(admin, pk):
    assert_error(admin.get(detail(pk)), 404, code="not_found")


# --- Create ----------------------------------------------------------------------------------


def test_admin_creates_a_staff_user_with_roles(admin):
    response = admin.post(
        USERS,
        {
            "email": "New.Staff@Example.com",
            "full_name": "New Staff",
            "roles": ["sales", "support"],
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == STAFF_FIELDS
    assert body["email"] == "new.staff@example.com"
    assert body["roles"] == ["sales", "support"]
    assert body["is_staff"] is True
    assert body["is_active"] is True
    user = User.objects.get(pk=body["id"])
    assert user.is_staff and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert set(user.groups.values_list("name", flat=True)) == {"sales", "support"}


def test_admin_creates_a_user_with_a_trailing_slash(admin):
    response = admin.post(
        USERS + "/",
        {"email": "slash.staff@example.com", "roles": ["content"], "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert User.objects.get(email="slash.staff@example.com").is_staff


def test_created_customer_is_not_staff(admin):
    body = admin.post(
        USERS, {"email": "cust@example.com", "roles": ["customer"], "password": PASSWORD}, format="json"
    ).json()
    assert body["is_staff"] is False
    assert not User.objects.get(pk=body["id"]).is_staff


def test_is_staff_cannot_be_set_directly(admin):
    body = admin.post(
        USERS,
        {
            "email": "flag@example.com",
            "roles": ["customer"],
            "password": PASSWORD,
            "is_staff": True,
            "is_superuser": True,
        },
        format="json",
    ).json()
    user = User.objects.get(pk=body["id"])
    assert not user.is_staff and not user.is_superuser


@pytest.mark.parametrize("password", ["omitted", ""])
def test_create_without_a_password_invites_the_user(
    admin, api_client, django_capture_on_commit_callbacks, password
):
    payload = {"email": "invitee@example.com", "full_name": "In Vitee", "roles": ["logistics"]}
    if password != "omitted":
        payload["password"] = password
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(USERS, payload, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(email="invitee@example.com")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["invitee@example.com"]
    match = re.search(r"uid=([\w-]+)&token=([\w-]+)", message.body)
    assert match, message.body
    # The invitation link sets the first password.
    confirm = api_client.post(
        "/api/v1/auth/password-reset/confirm",
        {"uid": match.group(1), "token": match.group(2), "new_password": PASSWORD},
        format="json",
    )
    assert confirm.status_code == 204, confirm.content
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_create_with_a_password_sends_no_invitation(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            admin.post(
                USERS, {"email": "pw@example.com", "roles": ["sales"], "password": PASSWORD}, format="json"
            ).status_code
            == 201
        )
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["dup@example.com", "DUP@example.COM"])
def test_create_with_a_taken_email_is_400(admin, make_user, email):
    make_user(email="dup@example.com")
    response = admin.post(USERS, {"email": email, "roles": ["sales"], "password": PASSWORD}, format="json")
    assert_error(response, 400, kind="validation_error", attr="email")
    assert User.objects.filter(email__iexact="dup@example.com").count() == 1


def test_create_with_an_unknown_role_is_400(admin):
    body = assert_error(
        admin.post(
            USERS, {"email": "r@example.com", "roles": ["wizard"], "password": PASSWORD}, format="json"
        ),
        400,
        kind="validation_error",
    )
    assert any((e["attr"] or "").startswith("roles") for e in body["errors"]), body
    assert not User.objects.filter(email="r@example.com").exists()


def test_create_with_a_weak_password_is_400(admin):
    response = admin.post(
        USERS, {"email": "weak@example.com", "roles": ["sales"], "password": "123"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="password")
    assert not User.objects.filter(email="weak@example.com").exists()


def test_create_with_the_same_idempotency_key_and_body_replays_and_creates_one_user(admin):
    key = str(uuid.uuid4())
    payload = {"email": "idem@example.com", "full_name": "Idem", "roles": ["finance"], "password": PASSWORD}
    first = admin.post(USERS, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = admin.post(USERS, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert User.objects.filter(email="idem@example.com").count() == 1
    assert ActivityLog.objects.filter(action="create", entity_type="accounts.user").count() == 1


def test_create_with_the_same_idempotency_key_and_another_body_is_422(admin):
    key = str(uuid.uuid4())
    assert (
        admin.post(
            USERS,
            {"email": "k1@example.com", "roles": ["sales"], "password": PASSWORD},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        ).status_code
        == 201
    )
    response = admin.post(
        USERS,
        {"email": "k2@example.com", "roles": ["sales"], "password": PASSWORD},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert_error(response, 422, code="idempotency_key_reused")
    assert not User.objects.filter(email="k2@example.com").exists()


# --- Update ----------------------------------------------------------------------------------


def test_admin_patches_roles_and_is_active(admin, make_user):
    user = make_user("sales")
    response = admin.patch(
        detail(user),
        {"roles": ["support", "finance"], "is_active": False, "full_name": "Re Named"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["roles"] == ["finance", "support"]
    assert body["is_active"] is False
    assert body["full_name"] == "Re Named"
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"support", "finance"}
    assert not user.is_active and user.is_staff


def test_patching_a_staff_user_to_customer_clears_is_staff(admin, make_user):
    user = make_user("content")
    assert user.is_staff
    body = admin.patch(detail(user) + "/", {"roles": ["customer"]}, format="json").json()
    assert body["roles"] == ["customer"]
    assert body["is_staff"] is False
    assert not User.objects.get(pk=user.pk).is_staff


def test_patching_is_active_false_revokes_the_users_refresh_tokens(admin, api_client, make_user):
    user = make_user("sales")
    refresh = RefreshToken.for_user(user)
    assert admin.patch(detail(user), {"is_active": False}, format="json").status_code == 200
    assert (
        api_client.post("/api/v1/auth/refresh", {"refresh": str(refresh)}, format="json").status_code == 401
    )


def test_patching_the_email_is_refused(admin, make_user):
    user = make_user(email="fixed@example.com")
    response = admin.patch(detail(user), {"email": "changed@example.com"}, format="json")
    assert_error(response, 400, kind="validation_error", attr="email")
    assert User.objects.get(pk=user.pk).email == "fixed@example.com"


def test_patching_an_unknown_role_is_400_and_changes_nothing(admin, make_user):
    user = make_user("sales")
    body = assert_error(
        admin.patch(detail(user), {"roles": ["wizard"], "full_name": "X"}, format="json"),
        400,
        kind="validation_error",
    )
    assert any((e["attr"] or "").startswith("roles") for e in body["errors"]), body
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["sales"]
    assert user.full_name != "X"


def test_patching_a_password_through_users_is_ignored(admin, make_user):
    user = make_user("sales")
    old_hash = user.password
    assert admin.patch(detail(user), {"password": "Brand-new-Passw0rd"}, format="json").status_code == 200
    assert User.objects.get(pk=user.pk).password == old_hash


def test_put_is_not_allowed(admin, make_user):
    user = make_user()
    assert_error(admin.put(detail(user), {"full_name": "x"}, format="json"), 405)


# --- Delete (deactivate) ---------------------------------------------------------------------


def test_delete_deactivates_and_keeps_the_user(admin, api_client, make_user):
    user = make_user("support")
    refresh = RefreshToken.for_user(user)
    response = admin.delete(detail(user))
    assert response.status_code == 204, response.content
    user.refresh_from_db()  # still there
    assert user.is_active is False
    assert (
        api_client.post("/api/v1/auth/refresh", {"refresh": str(refresh)}, format="json").status_code == 401
    )
    assert admin.get(detail(user)).json()["is_active"] is False


def test_delete_with_a_trailing_slash(admin, make_user):
    user = make_user()
    assert admin.delete(detail(user) + "/").status_code == 204
    assert not User.objects.get(pk=user.pk).is_active


def test_admin_cannot_deactivate_themselves(admin):
    response = admin.delete(detail(admin.user))
    assert_error(response, 400, code="cannot_deactivate_self")
    assert User.objects.get(pk=admin.user.pk).is_active
    assert admin.get(USERS).status_code == 200


def test_admin_cannot_lock_themselves_out_with_a_patch(admin):
    body = assert_error(
        admin.patch(detail(admin.user), {"is_active": False}, format="json"),
        400,
        code="cannot_deactivate_self",
    )
    assert body["errors"][0]["attr"] == "is_active"
    assert_error(
        admin.patch(detail(admin.user), {"roles": ["sales"]}, format="json"),
        400,
        code="cannot_remove_own_admin",
        attr="roles",
    )
    me = User.objects.get(pk=admin.user.pk)
    assert me.is_active and me.groups.filter(name="admin").exists()
    assert admin.patch(detail(admin.user), {"full_name": "Still Me"}, format="json").status_code == 200


def test_deleting_an_unknown_user_is_404(admin):
    assert_error(admin.delete(detail(uuid.uuid4())), 404)


# --- Activity log ----------------------------------------------------------------------------


def test_every_staff_write_on_users_is_in_the_activity_log(admin):
    created = admin.post(
        USERS,
        {"email": "audited@example.com", "roles": ["sales"], "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="audit-agent/2",
        REMOTE_ADDR="10.20.30.40",
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert (
        admin.patch(
            detail(user_id), {"roles": ["support"], "full_name": "Audited"}, format="json"
        ).status_code
        == 200
    )
    assert admin.delete(detail(user_id)).status_code == 204

    logs = list(
        ActivityLog.objects.filter(entity_type="accounts.user", entity_id=user_id).order_by("created_at")
    )
    assert [log.action for log in logs] == ["create", "update", "user.deactivate"]
    for log in logs:
        assert log.actor_id == admin.user.pk
        assert log.actor_email == admin.user.email
    create, update, deactivate = logs
    assert create.after["email"] == "audited@example.com"
    assert create.after["roles"] == ["sales"]
    assert create.after["password"] == "***"
    assert create.ip_address == "10.20.30.40"
    assert create.user_agent == "audit-agent/2"
    assert update.before["roles"] == ["sales"] and update.after["roles"] == ["support"]
    assert update.after["full_name"] == "Audited"
    assert deactivate.before["is_active"] is True and deactivate.after["is_active"] is False


def test_refused_writes_leave_no_activity(admin):
    admin.post(USERS, {"email": "bad", "roles": ["sales"]}, format="json")
    admin.delete(detail(admin.user))
    assert not ActivityLog.objects.exists()


def test_create_accepts_every_writable_field_including_flags(admin):
    """Found by fuzzing: is_active and email_verified used to reach the service and answer 500."""
    response = admin.post(
        USERS,
        {
            "email": "flags@example.com",
            "full_name": "",
            "phone": "",
            "company": "",
            "preferred_currency": "NGN",
            "is_active": False,
            "email_verified": True,
            "password": "",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_active"] is False and body["email_verified"] is True
    assert body["preferred_currency"] == "NGN"


def test_the_direct_staff_representation_equals_drfs_own(make_user):
    """StaffUserSerializer builds its output by hand for speed; it must be exactly DRF's walk
    over the declared fields, key order included, for every shape of user."""
    import json

    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from apps.accounts.rest_api.v1.serializers import StaffUserSerializer
    from apps.accounts.selectors import user_list

    shapes = [
        make_user("customer"),
        make_user("admin", "sales", full_name="Zoë Admin", phone="+2348000000000", company="Ácme"),
        make_user("finance", is_active=False),
    ]
    User.objects.filter(pk=shapes[1].pk).update(last_login=timezone.now(), email_verified=True)
    serializer = StaffUserSerializer()
    for user in user_list().filter(pk__in=[u.pk for u in shapes]):
        direct = json.loads(JSONRenderer().render(serializer.to_representation(user)))
        generic = json.loads(JSONRenderer().render(serializer.generic_representation(user)))
        assert direct == generic
        assert list(direct) == list(generic) == STAFF_FIELDS_ORDER


STAFF_FIELDS_ORDER = [
    "id", "email", "full_name", "phone", "company", "preferred_currency", "is_active",
    "is_staff", "email_verified", "date_joined", "last_login", "roles",
]  # fmt: skip
