"""Who may call what: every principal against every accounts/core endpoint, with the expected
status derived from role sets (contract: anonymous → 401, authenticated but not allowed → 403),
plus IDOR checks on the user endpoints."""

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.core.roles import ADMIN, CUSTOMER, SALES, STAFF_ROLES
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
SUPERUSER = "superuser"
PRINCIPALS = (ANONYMOUS, CUSTOMER, *STAFF_ROLES, SUPERUSER)

AUTHENTICATED = frozenset(PRINCIPALS) - {ANONYMOUS}
STAFF = frozenset(STAFF_ROLES) | {SUPERUSER}
ADMIN_ONLY = frozenset({ADMIN, SUPERUSER})

# (method, path, body, who may, status when allowed). "{target}" is another (customer) user.
ENDPOINTS = [
    ("get", "/api/v1/users", None, ADMIN_ONLY, 200),
    (
        "post",
        "/api/v1/users",
        {"email": "matrix@example.com", "roles": ["sales"], "password": "Sup3r-secret-pw"},
        ADMIN_ONLY,
        201,
    ),
    ("get", "/api/v1/users/{target}", None, ADMIN_ONLY, 200),
    ("patch", "/api/v1/users/{target}", {"full_name": "Patched"}, ADMIN_ONLY, 200),
    ("delete", "/api/v1/users/{target}", None, ADMIN_ONLY, 204),
    ("get", "/api/v1/settings", None, STAFF, 200),
    ("patch", "/api/v1/settings", {"company_name": "Matrix Co"}, ADMIN_ONLY, 200),
    ("post", "/api/v1/settings/email-test", {"to": "ops@example.com"}, ADMIN_ONLY, 202),
    ("get", "/api/v1/activity-logs", None, ADMIN_ONLY, 200),
    ("get", "/api/v1/auth/me", None, AUTHENTICATED, 200),
    ("patch", "/api/v1/auth/me", {"company": "Mine"}, AUTHENTICATED, 200),
    ("get", "/api/v1/auth/me/export", None, AUTHENTICATED, 200),
]


def expected_status(principal, allowed, ok):
    if principal in allowed:
        return ok
    return 401 if principal == ANONYMOUS else 403


CASES = [
    pytest.param(
        method,
        path,
        body,
        principal,
        expected_status(principal, allowed, ok),
        id=f"{method.upper()} {path} as {principal}",
    )
    for method, path, body, allowed, ok in ENDPOINTS
    for principal in PRINCIPALS
]


def client_for(principal):
    client = APIClient()
    if principal == ANONYMOUS:
        client.user = None
        return client
    if principal == SUPERUSER:
        user = UserFactory(roles=[], is_superuser=True)
    else:
        user = UserFactory(roles=[principal])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    client.user = user
    return client


@pytest.mark.parametrize(("method", "path", "body", "principal", "status"), CASES)
def test_permission_matrix(method, path, body, principal, status, make_user):
    target = make_user("customer")
    client = client_for(principal)
    url = path.format(target=target.pk)
    call = getattr(client, method)
    response = call(url, body, format="json") if body is not None else call(url)
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["errors"][0]["code"] == "not_authenticated"
    elif status == 403:
        assert response.json()["errors"][0]["code"] == "permission_denied"
    if status in (401, 403):
        # A refused write changed nothing.
        assert User.objects.filter(email="matrix@example.com").count() == 0
        assert User.objects.get(pk=target.pk).is_active
        assert User.objects.get(pk=target.pk).full_name != "Patched"


def test_the_matrix_covers_every_role():
    assert set(PRINCIPALS) == {ANONYMOUS, SUPERUSER, CUSTOMER, *STAFF_ROLES}
    assert len(CASES) == len(ENDPOINTS) * len(PRINCIPALS)


@pytest.mark.parametrize("path", ["/api/v1/users/", "/api/v1/settings/", "/api/v1/activity-logs/"])
def test_permissions_hold_with_a_trailing_slash(path):
    assert client_for(ANONYMOUS).get(path).status_code == 401
    assert client_for(CUSTOMER).get(path).status_code == 403
    assert client_for(ADMIN).get(path).status_code == 200


@pytest.mark.parametrize("role", [ADMIN, SUPERUSER])
def test_a_deactivated_admins_token_is_refused(role):
    client = client_for(role)
    User.objects.filter(pk=client.user.pk).update(is_active=False)
    assert client.get("/api/v1/users").status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_demoting_an_admin_through_the_api_takes_effect_at_once():
    demoted, boss = client_for(ADMIN), client_for(ADMIN)
    assert demoted.get("/api/v1/users").status_code == 200  # authenticated (and cached) once
    response = boss.patch(f"/api/v1/users/{demoted.user.pk}", {"roles": [CUSTOMER]}, format="json")
    assert response.status_code == 200, response.content
    assert demoted.get("/api/v1/users").status_code == 403
    assert demoted.get("/api/v1/settings").status_code == 403
    assert demoted.get("/api/v1/auth/me").json()["roles"] == [CUSTOMER]


def test_deactivating_a_user_through_the_api_refuses_their_token_at_once():
    victim, boss = client_for(SALES), client_for(ADMIN)
    assert victim.get("/api/v1/settings").status_code == 200  # authenticated (and cached) once
    assert boss.delete(f"/api/v1/users/{victim.user.pk}").status_code == 204
    assert victim.get("/api/v1/settings").status_code == 401
    assert victim.get("/api/v1/auth/me").status_code == 401


def test_staff_flag_alone_grants_nothing(make_user):
    """Admin access comes from roles, not from is_staff."""
    user = make_user("customer")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    assert client.get("/api/v1/users").status_code == 403
    assert client.get("/api/v1/settings").status_code == 403


# --- IDOR ------------------------------------------------------------------------------------


def test_customer_cannot_read_another_user(auth_client, make_user):
    other = make_user("customer", full_name="Secret Name")
    client = auth_client("customer")
    response = client.get(f"/api/v1/users/{other.pk}")
    assert response.status_code == 403
    assert "Secret Name" not in response.content.decode()
    assert other.email not in response.content.decode()


def test_customer_cannot_read_themselves_through_users_either(auth_client):
    client = auth_client("customer")
    assert client.get(f"/api/v1/users/{client.user.pk}").status_code == 403


def test_customer_cannot_patch_or_delete_another_user(auth_client, make_user):
    other = make_user("customer", full_name="Original")
    client = auth_client("customer")
    assert (
        client.patch(
            f"/api/v1/users/{other.pk}", {"full_name": "Hacked", "roles": ["admin"]}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/users/{other.pk}").status_code == 403
    other.refresh_from_db()
    assert other.full_name == "Original"
    assert other.is_active
    assert list(other.groups.values_list("name", flat=True)) == ["customer"]


def test_customer_cannot_promote_themselves(auth_client):
    client = auth_client("customer")
    assert (
        client.patch(f"/api/v1/users/{client.user.pk}", {"roles": ["admin"]}, format="json").status_code
        == 403
    )
    assert list(User.objects.get(pk=client.user.pk).groups.values_list("name", flat=True)) == ["customer"]


def test_refusals_do_not_reveal_whether_a_user_exists(auth_client, make_user):
    other = make_user("customer")
    client = auth_client("customer")
    existing = client.get(f"/api/v1/users/{other.pk}")
    missing = client.get(f"/api/v1/users/{uuid.uuid4()}")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


def test_me_only_ever_returns_the_caller(auth_client, make_user):
    one, two = auth_client("customer"), auth_client("customer")
    assert one.get("/api/v1/auth/me").json()["id"] == str(one.user.pk)
    assert two.get("/api/v1/auth/me").json()["id"] == str(two.user.pk)
    # Query parameters naming someone else are ignored.
    for params in ({"id": str(two.user.pk)}, {"user": str(two.user.pk)}, {"email": two.user.email}):
        assert one.get("/api/v1/auth/me", params).json()["id"] == str(one.user.pk)
    assert (
        one.get("/api/v1/auth/me/export", {"user": str(two.user.pk)}).json()["profile"]["email"]
        == one.user.email
    )


def test_me_patch_only_changes_the_caller(auth_client):
    one, two = auth_client("customer"), auth_client("customer")
    two_name = two.user.full_name
    response = one.patch("/api/v1/auth/me", {"id": str(two.user.pk), "full_name": "Only Me"}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == str(one.user.pk)
    assert User.objects.get(pk=one.user.pk).full_name == "Only Me"
    assert User.objects.get(pk=two.user.pk).full_name == two_name
