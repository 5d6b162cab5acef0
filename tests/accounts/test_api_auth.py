"""The public auth surface: register, login, refresh, logout, me (read, update, export, erase),
password reset, and the throttles in front of them (contract: Conventions + Accounts)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.core.models import ActivityLog
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
EXPORT = "/api/v1/auth/me/export"
RESET = "/api/v1/auth/password-reset"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"

NEW_PASSWORD = "Another-Str0ng-Passphrase"
PROFILE_FIELDS = {
    "id",
    "email",
    "full_name",
    "phone",
    "company",
    "roles",
    "preferred_currency",
    "email_verified",
    "date_joined",
    "last_login",
}


def login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def tokens_for(client, user, password=DEFAULT_PASSWORD):
    response = login(client, user.email, password)
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def rate(scope):
    """(requests, seconds) of a throttle scope, read from the settings."""
    num, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")
    return int(num), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def reset_link_from(message):
    match = re.search(r"uid=([\w-]+)&token=([\w-]+)", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


# --- Register --------------------------------------------------------------------------------


def test_register_creates_a_customer_and_returns_the_profile(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "New.Person@Example.com", "password": NEW_PASSWORD, "full_name": "New Person"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "email", "full_name", "phone", "company", "roles", "preferred_currency"} <= set(body)
    assert "password" not in body
    assert body["email"] == "new.person@example.com"
    assert body["full_name"] == "New Person"
    assert body["roles"] == ["customer"]
    assert re.fullmatch(r"[A-Z]{3}", body["preferred_currency"])
    user = User.objects.get(pk=body["id"])
    assert user.email == "new.person@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["customer"]


def test_register_works_with_a_trailing_slash(api_client):
    response = api_client.post(
        REGISTER + "/",
        {"email": "slash@example.com", "password": NEW_PASSWORD, "full_name": "Slash"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert User.objects.filter(email="slash@example.com").exists()


def test_registered_user_can_log_in(api_client):
    api_client.post(REGISTER, {"email": "fresh@example.com", "password": NEW_PASSWORD}, format="json")
    assert login(api_client, "fresh@example.com", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.COM", " taken@example.com "])
def test_register_with_an_existing_email_is_400_on_email(api_client, make_user, email):
    make_user(email="taken@example.com")
    response = api_client.post(
        REGISTER, {"email": email, "password": NEW_PASSWORD, "full_name": "Dup"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="email")
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "weakuser@example.com"])
def test_register_with_a_weak_password_is_400_on_password(api_client, password):
    response = api_client.post(
        REGISTER, {"email": "weakuser@example.com", "password": password}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="password")
    assert not User.objects.filter(email="weakuser@example.com").exists()


def test_register_with_missing_fields_is_400_per_field(api_client):
    body = assert_error(api_client.post(REGISTER, {}, format="json"), 400, kind="validation_error")
    assert {"email", "password"} <= {e["attr"] for e in body["errors"]}
    assert not User.objects.exists()


def test_register_with_an_invalid_email_is_400(api_client):
    response = api_client.post(REGISTER, {"email": "not-an-email", "password": NEW_PASSWORD}, format="json")
    assert_error(response, 400, kind="validation_error", attr="email")


def test_register_ignores_a_requested_role(api_client):
    response = api_client.post(
        REGISTER,
        {
            "email": "sneaky@example.com",
            "password": NEW_PASSWORD,
            "roles": ["admin"],
            "is_staff": True,
            "is_superuser": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["roles"] == ["customer"]
    user = User.objects.get(email="sneaky@example.com")
    assert not user.is_staff and not user.is_superuser


# --- Login -----------------------------------------------------------------------------------


def test_login_returns_a_token_pair_and_the_user(api_client, make_user):
    user = make_user()
    response = login(api_client, user.email)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["id"] == str(user.pk)
    assert body["user"]["email"] == user.email
    assert body["user"]["roles"] == ["customer"]
    me = bearer(body["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["id"] == str(user.pk)


def test_login_email_is_case_insensitive(api_client, make_user):
    user = make_user(email="mixed@example.com")
    response = login(api_client, "  MiXeD@Example.COM ")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(user.pk)


def test_login_with_a_wrong_password_is_401_in_the_envelope(api_client, make_user):
    user = make_user()
    response = login(api_client, user.email, "Wrong-password-123")
    body = assert_error(response, 401, kind="client_error")
    assert "access" not in response.content.decode()
    assert len(body["errors"]) == 1


def test_login_with_an_unknown_email_is_401_like_a_wrong_password(api_client, make_user):
    user = make_user()
    unknown = assert_error(login(api_client, "nobody@example.com"), 401)
    wrong = assert_error(login(api_client, user.email, "Wrong-password-123"), 401)
    assert unknown == wrong  # no hint whether the account exists


def test_login_of_an_inactive_user_is_401(api_client, make_user):
    user = make_user(is_active=False)
    assert_error(login(api_client, user.email), 401)


def test_login_with_missing_fields_is_400(api_client):
    body = assert_error(api_client.post(LOGIN, {}, format="json"), 400, kind="validation_error")
    assert {"email", "password"} <= {e["attr"] for e in body["errors"]}


def test_login_updates_last_login(api_client, make_user):
    user = make_user()
    assert user.last_login is None
    body = tokens_for(api_client, user)
    user.refresh_from_db()
    assert user.last_login is not None
    assert body["user"]["last_login"] is not None


def test_login_works_with_a_trailing_slash(api_client, make_user):
    user = make_user()
    response = api_client.post(
        LOGIN + "/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content


# --- Refresh ---------------------------------------------------------------------------------


def test_refresh_rotates_the_token_pair(api_client, make_user):
    user = make_user()
    first = tokens_for(api_client, user)
    response = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != first["refresh"]
    assert bearer(body["access"]).get(ME).json()["id"] == str(user.pk)
    # The rotated token works in turn.
    assert api_client.post(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200


def test_refresh_token_reused_after_rotation_is_rejected(api_client, make_user):
    first = tokens_for(api_client, make_user())
    assert api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json").status_code == 200
    assert_error(api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json"), 401)


def test_expired_refresh_token_is_rejected(api_client, make_user):
    token = RefreshToken.for_user(make_user())
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_error(api_client.post(REFRESH, {"refresh": str(token)}, format="json"), 401)


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.xxxx"])
def test_garbage_refresh_token_is_rejected(api_client, garbage):
    assert_error(api_client.post(REFRESH, {"refresh": garbage}, format="json"), 401)


def test_access_token_is_not_accepted_as_a_refresh_token(api_client, make_user):
    pair = tokens_for(api_client, make_user())
    assert_error(api_client.post(REFRESH, {"refresh": pair["access"]}, format="json"), 401)


def test_refresh_without_a_token_is_400(api_client):
    assert_error(api_client.post(REFRESH, {}, format="json"), 400, kind="validation_error", attr="refresh")


def test_refresh_of_a_deactivated_user_is_rejected(api_client, make_user):
    user = make_user()
    pair = tokens_for(api_client, user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)


# --- Logout ----------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token(api_client, make_user):
    pair = tokens_for(api_client, make_user())
    response = bearer(pair["access"]).post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204, response.content
    assert_error(api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)


def test_logout_works_with_a_trailing_slash(api_client, make_user):
    pair = tokens_for(api_client, make_user())
    response = bearer(pair["access"]).post(LOGOUT + "/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204, response.content


def test_logout_with_another_users_refresh_token_is_400_and_leaves_it_working(api_client, make_user):
    mine = tokens_for(api_client, make_user())
    theirs = tokens_for(api_client, make_user())
    response = bearer(mine["access"]).post(LOGOUT, {"refresh": theirs["refresh"]}, format="json")
    assert_error(response, 400, kind="validation_error", attr="refresh")
    assert api_client.post(REFRESH, {"refresh": theirs["refresh"]}, format="json").status_code == 200


def test_logout_with_a_garbage_refresh_token_is_400(api_client, make_user):
    pair = tokens_for(api_client, make_user())
    response = bearer(pair["access"]).post(LOGOUT, {"refresh": "garbage"}, format="json")
    assert_error(response, 400, kind="validation_error", attr="refresh")


def test_logout_anonymous_is_401(api_client, make_user):
    pair = tokens_for(api_client, make_user())
    assert_error(
        api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json"), 401, code="not_authenticated"
    )
    # Nothing was revoked.
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 200


# --- Me --------------------------------------------------------------------------------------


def test_me_returns_exactly_the_profile_fields(auth_client):
    client = auth_client("customer", phone="+2348000000", company="Acme")
    response = client.get(ME)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    user = client.user
    assert body["id"] == str(user.pk)
    assert body["email"] == user.email
    assert body["full_name"] == user.full_name
    assert body["phone"] == "+2348000000"
    assert body["company"] == "Acme"
    assert body["roles"] == ["customer"]
    assert body["preferred_currency"] == user.preferred_currency


def test_me_works_with_a_trailing_slash(auth_client):
    client = auth_client("customer")
    assert client.get(ME + "/").json()["id"] == str(client.user.pk)


def test_me_anonymous_is_401(api_client):
    assert_error(api_client.get(ME), 401, code="not_authenticated")


def test_me_with_an_invalid_access_token_is_401(make_user):
    assert_error(bearer("not-a-jwt").get(ME), 401)


def test_me_patch_updates_the_profile(auth_client):
    client = auth_client("customer")
    changes = {
        "full_name": "Ada Lovelace",
        "phone": "+44 20 7946 0000",
        "company": "Analytical Engines",
        "preferred_currency": "NGN",
    }
    response = client.patch(ME, changes, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    for field, value in changes.items():
        assert body[field] == value
    user = User.objects.get(pk=client.user.pk)
    for field, value in changes.items():
        assert getattr(user, field) == value


@pytest.mark.parametrize("currency", ["usd1", "US", "DOLLARS", "u$d"])
def test_me_patch_with_a_bad_currency_is_400_on_preferred_currency(auth_client, currency):
    client = auth_client("customer")
    before = client.user.preferred_currency
    response = client.patch(ME, {"preferred_currency": currency}, format="json")
    assert_error(response, 400, kind="validation_error", attr="preferred_currency")
    assert User.objects.get(pk=client.user.pk).preferred_currency == before


def test_me_patch_cannot_change_email_roles_or_staff_flags(auth_client):
    client = auth_client("customer")
    original_email = client.user.email
    response = client.patch(
        ME,
        {
            "email": "hijack@example.com",
            "roles": ["admin"],
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "email_verified": True,
            "full_name": "Still Me",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["email"] == original_email
    assert response.json()["roles"] == ["customer"]
    user = User.objects.get(pk=client.user.pk)
    assert user.email == original_email
    assert user.full_name == "Still Me"
    assert not user.is_staff and not user.is_superuser
    assert user.is_active and not user.email_verified
    assert list(user.groups.values_list("name", flat=True)) == ["customer"]
    assert not User.objects.filter(email="hijack@example.com").exists()


# --- Export ----------------------------------------------------------------------------------


def test_me_export_returns_profile_roles_and_activity(auth_client):
    client = auth_client("sales")
    assert (
        client.patch(
            ME,
            {"company": "Exported Co"},
            format="json",
            HTTP_USER_AGENT="export-test/1.0",
            REMOTE_ADDR="10.9.8.7",
        ).status_code
        == 200
    )
    response = client.get(EXPORT)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"profile", "roles", "activity"} <= set(body)
    assert body["profile"]["email"] == client.user.email
    assert body["profile"]["company"] == "Exported Co"
    assert body["roles"] == ["sales"]
    assert len(body["activity"]) == 1
    entry = body["activity"][0]
    assert entry["action"] == "update"
    assert entry["entity_type"] == "accounts.user"
    assert entry["ip_address"] == "10.9.8.7"
    assert entry["user_agent"] == "export-test/1.0"


def test_me_export_only_contains_the_callers_activity(auth_client):
    me, other = auth_client("support"), auth_client("support")
    other.patch(ME, {"company": "Other"}, format="json")
    assert me.get(EXPORT).json()["activity"] == []


def test_me_export_never_contains_the_password_hash(auth_client):
    client = auth_client("admin")
    client.patch(ME, {"full_name": "Hash Check"}, format="json")
    response = client.get(EXPORT)
    assert response.status_code == 200
    user = User.objects.get(pk=client.user.pk)
    text = response.content.decode()
    assert user.password and user.password not in text
    assert user.password.split("$")[-1] not in text
    assert "password" not in response.json()["profile"]


def test_me_export_anonymous_is_401(api_client):
    assert_error(api_client.get(EXPORT), 401)


# --- Erase (DELETE me) -----------------------------------------------------------------------


def test_delete_me_anonymises_and_deactivates_but_keeps_the_row(api_client, make_user):
    user = make_user(email="erase.me@example.com", full_name="Erase Me", phone="+1555123", company="Gone Inc")
    pair = tokens_for(api_client, user)
    response = bearer(pair["access"]).delete(ME)
    assert response.status_code == 204, response.content

    erased = User.objects.get(pk=user.pk)  # the row (and what points at it) is kept
    assert erased.email != "erase.me@example.com"
    assert "erase.me" not in erased.email and "Erase Me" not in erased.email
    assert erased.erased_at is not None
    assert erased.full_name == "" and erased.phone == "" and erased.company == ""
    assert erased.is_active is False
    assert not erased.has_usable_password()
    assert not User.objects.filter(email__iexact="erase.me@example.com").exists()

    assert_error(api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)
    assert_error(bearer(pair["access"]).get(ME), 401)
    assert_error(login(api_client, "erase.me@example.com"), 401)


def test_delete_me_is_recorded_in_the_activity_log(auth_client):
    client = auth_client("customer")
    assert client.delete(ME).status_code == 204
    log = ActivityLog.objects.get(action="user.erase")
    assert log.entity_type == "accounts.user"
    assert log.entity_id == str(client.user.pk)
    assert log.actor_id == client.user.pk


def test_delete_me_anonymous_is_401(api_client, make_user):
    user = make_user()
    assert_error(api_client.delete(ME), 401)
    assert User.objects.get(pk=user.pk).is_active


# --- Password reset --------------------------------------------------------------------------


def test_password_reset_answers_202_with_the_same_body_for_known_and_unknown_emails(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET, {"email": user.email}, format="json")
        unknown = api_client.post(RESET, {"email": "ghost@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_password_reset_email_is_sent_after_commit(api_client, make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_client.post(RESET, {"email": user.email}, format="json")
    assert mail.outbox == []  # nothing sent before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_password_reset_email_is_case_insensitive(api_client, make_user, django_capture_on_commit_callbacks):
    user = make_user(email="case.reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(RESET, {"email": "CASE.Reset@Example.com"}, format="json").status_code == 202
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_password_reset_sends_nothing_for_an_inactive_user(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(RESET, {"email": user.email}, format="json").status_code == 202
    assert mail.outbox == []


def test_password_reset_with_an_invalid_email_is_400(api_client):
    assert_error(
        api_client.post(RESET, {"email": "nope"}, format="json"), 400, kind="validation_error", attr="email"
    )


def _request_reset(client, user, capture):
    with capture(execute=True):
        assert client.post(RESET, {"email": user.email}, format="json").status_code == 202
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    return reset_link_from(message)


def test_password_reset_confirm_sets_the_new_password(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    response = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204, response.content
    assert login(api_client, user.email, NEW_PASSWORD).status_code == 200
    assert_error(login(api_client, user.email, DEFAULT_PASSWORD), 401)


def test_password_reset_confirm_works_with_a_trailing_slash(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    response = api_client.post(
        RESET_CONFIRM + "/", {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204, response.content


def test_password_reset_token_cannot_be_used_twice(api_client, make_user, django_capture_on_commit_callbacks):
    user = make_user()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    assert (
        api_client.post(
            RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
        ).status_code
        == 204
    )
    again = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": token, "new_password": "Third-Passw0rd-Here"}, format="json"
    )
    assert_error(again, 400, kind="validation_error")
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize("mangle", ["token", "uid", "other-user"])
def test_password_reset_confirm_with_a_bad_link_is_400(
    api_client, make_user, mangle, django_capture_on_commit_callbacks
):
    user, other = make_user(), make_user()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    if mangle == "token":
        token = token[:-3] + "zzz"
    elif mangle == "uid":
        uid = "not-a-uid"
    else:  # a valid token of one user presented for another user
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        uid = urlsafe_base64_encode(force_bytes(other.pk))
    response = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert_error(response, 400, kind="validation_error")
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
    assert User.objects.get(pk=other.pk).check_password(DEFAULT_PASSWORD)


def test_password_reset_confirm_with_a_weak_password_is_400_on_new_password(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    response = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": token, "new_password": "12345"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="new_password")
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
    # The link was not consumed by the failed attempt.
    assert (
        api_client.post(
            RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
        ).status_code
        == 204
    )


def test_password_reset_confirm_with_missing_fields_is_400(api_client):
    body = assert_error(api_client.post(RESET_CONFIRM, {}, format="json"), 400, kind="validation_error")
    assert {"uid", "token", "new_password"} <= {e["attr"] for e in body["errors"]}


def test_password_reset_confirm_revokes_previously_issued_refresh_tokens(
    api_client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    first = tokens_for(api_client, user)
    rotated = api_client.post(
        REFRESH, {"refresh": tokens_for(api_client, user)["refresh"]}, format="json"
    ).json()
    uid, token = _request_reset(api_client, user, django_capture_on_commit_callbacks)
    assert (
        api_client.post(
            RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
        ).status_code
        == 204
    )
    assert_error(api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json"), 401)
    assert_error(api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json"), 401)


# --- Throttling ------------------------------------------------------------------------------


def assert_throttled(response):
    assert_error(response, 429, code="throttled")
    assert response.has_header("Retry-After"), dict(response.items())
    assert int(response["Retry-After"]) > 0


def test_login_is_throttled_per_email(api_client, make_user):
    user = make_user()
    limit, _ = rate("login_email")
    for i in range(limit):
        # Vary the IP so only the per-email limit can trigger; the case is varied too.
        response = login(
            api_client,
            user.email.upper() if i % 2 else user.email,
            "Wrong-pass-123",
            REMOTE_ADDR=f"10.0.0.{i + 1}",
        )
        # (What a wrong password answers is the login tests' business; here: not throttled yet.)
        assert response.status_code != 429, (i, response.content)
    blocked = login(api_client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert_throttled(blocked)
    # Another email from the same address still gets through.
    other = make_user()
    assert login(api_client, other.email, REMOTE_ADDR="10.0.1.1").status_code == 200


def test_login_is_throttled_per_ip(api_client, make_user):
    user = make_user()
    limit, _ = rate("login_ip")
    for i in range(limit):
        response = login(api_client, f"guess{i}@example.com", "Wrong-pass-123", REMOTE_ADDR="10.1.1.1")
        assert response.status_code != 429, (i, response.content)
    assert_throttled(login(api_client, user.email, REMOTE_ADDR="10.1.1.1"))
    # A spoofed X-Forwarded-For does not reset the count (no trusted proxies by default).
    assert_throttled(login(api_client, user.email, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4"))
    # Another address is not affected.
    assert login(api_client, user.email, REMOTE_ADDR="10.1.1.2").status_code == 200


def test_password_reset_is_throttled_per_email(api_client, make_user, django_capture_on_commit_callbacks):
    user = make_user()
    limit, _ = rate("password_reset_email")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(limit):
            response = api_client.post(
                RESET, {"email": user.email}, format="json", REMOTE_ADDR=f"10.2.0.{i + 1}"
            )
            assert response.status_code == 202, (i, response.content)
        blocked = api_client.post(RESET, {"email": user.email.upper()}, format="json", REMOTE_ADDR="10.2.1.1")
    assert_throttled(blocked)
    assert len(mail.outbox) == limit


def test_password_reset_is_throttled_per_ip(api_client):
    limit, _ = rate("password_reset_ip")
    for i in range(limit):
        response = api_client.post(
            RESET, {"email": f"p{i}@example.com"}, format="json", REMOTE_ADDR="10.3.0.1"
        )
        assert response.status_code == 202, (i, response.content)
    assert_throttled(
        api_client.post(RESET, {"email": "last@example.com"}, format="json", REMOTE_ADDR="10.3.0.1")
    )


def test_register_is_throttled_per_ip(api_client):
    limit, _ = rate("register_ip")
    for i in range(limit):
        response = api_client.post(
            REGISTER,
            {"email": f"reg{i}@example.com", "password": NEW_PASSWORD},
            format="json",
            REMOTE_ADDR="10.4.0.1",
        )
        assert response.status_code == 201, (i, response.content)
    assert_throttled(
        api_client.post(
            REGISTER,
            {"email": "one.more@example.com", "password": NEW_PASSWORD},
            format="json",
            REMOTE_ADDR="10.4.0.1",
        )
    )
    assert not User.objects.filter(email="one.more@example.com").exists()
    assert Group.objects.get(name="customer").user_set.count() == limit
