"""Any password change ends every session of the user: the access tokens issued before it stop
working at once (the token version), and every outstanding refresh token is blacklisted once the
change commits. Through the admin's password form, the changepassword command, the API reset,
an unusable password and erasure."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.management.commands import changepassword
from django.core import mail
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.test_api_auth import (
    ME,
    NEW_PASSWORD,
    REFRESH,
    RESET,
    RESET_CONFIRM,
    bearer,
    login,
    reset_link_from,
    tokens_for,
)
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


class FastPBKDF2Hasher(PBKDF2PasswordHasher):
    iterations = 1000


@pytest.fixture
def signed_in(api_client, make_user):
    """A staff user with two sessions (two logins), each used once (the user is now cached)."""
    user = make_user("sales", email="changing@example.com")
    sessions = [tokens_for(api_client, user), tokens_for(api_client, user)]
    for session in sessions:
        assert bearer(session["access"]).get(ME).status_code == 200
    return user, sessions


def assert_sessions_revoked(api_client, user, sessions, *, new_password=NEW_PASSWORD):
    for session in sessions:
        assert_error(bearer(session["access"]).get(ME), 401, code="token_not_valid")
        assert_error(api_client.post(REFRESH, {"refresh": session["refresh"]}, format="json"), 401)
    # Every refresh token issued before the change is on the blacklist (not only refused).
    outstanding = OutstandingToken.objects.filter(user=user)
    assert outstanding.count() == len(sessions)
    assert BlacklistedToken.objects.filter(token__user=user).count() == len(sessions)
    # A new login works, and so do its tokens.
    fresh = tokens_for(api_client, user, new_password)
    assert bearer(fresh["access"]).get(ME).status_code == 200
    assert api_client.post(REFRESH, {"refresh": fresh["refresh"]}, format="json").status_code == 200


def test_admin_password_change_form_revokes_every_session(
    api_client, make_user, signed_in, django_capture_on_commit_callbacks
):
    user, sessions = signed_in
    admin = make_user("admin", email="boss@example.com")
    browser = Client()
    browser.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_sessions_revoked(api_client, user, sessions)
    assert_error(login(api_client, user.email, DEFAULT_PASSWORD), 401)


def test_admin_setting_an_unusable_password_revokes_every_session(
    api_client, make_user, signed_in, django_capture_on_commit_callbacks
):
    user, sessions = signed_in
    browser = Client()
    browser.force_login(make_user("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/admin/accounts/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=user.pk).has_usable_password()
    for session in sessions:
        assert_error(bearer(session["access"]).get(ME), 401)
        assert_error(api_client.post(REFRESH, {"refresh": session["refresh"]}, format="json"), 401)
    assert BlacklistedToken.objects.filter(token__user=user).count() == len(sessions)
    assert_error(login(api_client, user.email, DEFAULT_PASSWORD), 401)


def test_changepassword_command_revokes_every_session(
    api_client, signed_in, monkeypatch, django_capture_on_commit_callbacks
):
    user, sessions = signed_in
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("changepassword", user.email)
    assert_sessions_revoked(api_client, user, sessions)


def test_api_password_reset_revokes_every_session(api_client, signed_in, django_capture_on_commit_callbacks):
    user, sessions = signed_in
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(RESET, {"email": user.email}, format="json").status_code == 202
    uid, token = reset_link_from(mail.outbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
        )
    assert response.status_code == 204, response.content
    assert_sessions_revoked(api_client, user, sessions)


def test_unusable_password_on_an_active_account_revokes_every_session(
    api_client, signed_in, django_capture_on_commit_callbacks
):
    user, sessions = signed_in
    with django_capture_on_commit_callbacks(execute=True):
        user.set_unusable_password()
        user.save()
    for session in sessions:
        assert_error(bearer(session["access"]).get(ME), 401)
        assert_error(api_client.post(REFRESH, {"refresh": session["refresh"]}, format="json"), 401)
    assert BlacklistedToken.objects.filter(token__user=user).count() == len(sessions)


def test_erasure_blacklists_every_refresh_token(api_client, signed_in, django_capture_on_commit_callbacks):
    user, sessions = signed_in
    with django_capture_on_commit_callbacks(execute=True):
        assert bearer(sessions[0]["access"]).delete(ME).status_code == 204
    for session in sessions:
        assert_error(bearer(session["access"]).get(ME), 401)
        assert_error(api_client.post(REFRESH, {"refresh": session["refresh"]}, format="json"), 401)
    assert BlacklistedToken.objects.filter(token__user=user).count() == len(sessions)


def test_old_access_token_is_refused_as_soon_as_the_change_is_saved(api_client, signed_in):
    """Before the blacklist runs (after commit), the token version already refuses the old
    tokens, even though the user was cached when they were last used."""
    user, sessions = signed_in
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])  # a partial save still carries the version
    assert User.objects.get(pk=user.pk).token_version == 1
    assert not BlacklistedToken.objects.exists()  # (the on-commit blacklist has not run here)
    assert_error(bearer(sessions[0]["access"]).get(ME), 401, code="token_not_valid")
    assert_error(api_client.post(REFRESH, {"refresh": sessions[1]["refresh"]}, format="json"), 401)


def test_a_password_hash_upgrade_at_login_is_not_a_password_change(api_client, make_user, settings):
    """Django re-hashes a password with the preferred hasher when one logs in: that keeps the
    password, so it keeps the sessions."""
    user = make_user()  # hashed with MD5, the tests' only hasher
    session = tokens_for(api_client, user)
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2Hasher",  # now preferred
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert login(api_client, user.email).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # upgraded
    assert user.token_version == 0
    assert bearer(session["access"]).get(ME).status_code == 200
    assert api_client.post(REFRESH, {"refresh": session["refresh"]}, format="json").status_code == 200


def test_tokens_without_a_version_claim_count_as_version_zero(make_user):
    """Tokens issued before the claim existed (and by simplejwt's own RefreshToken.for_user)
    keep working until the user's first password change."""
    from rest_framework_simplejwt.tokens import RefreshToken

    user = make_user()
    access = str(RefreshToken.for_user(user).access_token)
    assert bearer(access).get(ME).status_code == 200
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_error(bearer(access).get(ME), 401)


def test_a_new_account_starts_at_version_zero(api_client):
    response = APIClient().post(
        "/api/v1/auth/register", {"email": "new@example.com", "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert User.objects.get(email="new@example.com").token_version == 0
