"""The admin's sign-in locks an account, and an address, after repeated failures (django-axes),
for a cool-off time; an admin unlocks it in the admin. The API login keeps its own throttles and
answers: axes never sees it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from apps.accounts.rest_api.v1.views import LoginView
from apps.core.models import ActivityLog
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.test_api_auth import login as api_login
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
WRONG = "Not-the-password-1"
ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"


def admin_login(email, password=DEFAULT_PASSWORD, *, ip=ATTACKER_IP, client=None):
    client = client or Client()
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail_until_locked(email, *, ip=ATTACKER_IP):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit - 1):
        response = admin_login(email, WRONG, ip=ip)
        assert response.status_code == 200, attempt  # the form again, with its error
        assert "Please enter the correct email address and password" in response.content.decode()
    response = admin_login(email, WRONG, ip=ip)
    assert response.status_code == 429
    return response


@pytest.fixture
def staff(make_user):
    return make_user("admin", email="boss@example.com")


def test_failures_up_to_the_limit_lock_the_account_and_the_correct_password_is_refused(staff):
    assert settings.AXES_FAILURE_LIMIT == 5  # the default (ADMIN_LOGIN_FAILURE_LIMIT)
    fail_until_locked(staff.email)
    locked = admin_login(staff.email)
    assert locked.status_code == 429
    assert not signed_in(locked)
    assert "_auth_user_id" not in Client().session
    # The account is locked from another address too, whatever the case of the email.
    assert admin_login(staff.email.upper(), ip=OTHER_IP).status_code == 429


def test_the_lockout_page_says_what_happened_and_for_how_long(staff):
    page = fail_until_locked(staff.email).content.decode()
    assert "Sign-in locked" in page
    assert "Too many failed sign-ins" in page
    assert "15 minutes" in page  # ADMIN_LOGIN_COOLOFF_MINUTES
    assert "administrator" in page  # who can unlock it
    assert "Foundry admin" in page  # the admin's own page, not a bare message
    assert WRONG not in page and DEFAULT_PASSWORD not in page


def test_failures_from_one_address_lock_that_address_for_every_account(staff, make_user):
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login(f"guess{i}@example.com", WRONG)  # one address trying many accounts
    assert admin_login(staff.email).status_code == 429
    # Other addresses are not affected.
    assert signed_in(admin_login(staff.email, ip=OTHER_IP))


def test_another_account_from_another_address_is_not_affected(staff, make_user):
    fail_until_locked(staff.email)
    colleague = make_user("support", email="colleague@example.com")
    assert signed_in(admin_login(colleague.email, ip=OTHER_IP))


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_resets_them(staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(staff.email, WRONG)
    assert signed_in(admin_login(staff.email))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(staff.email, WRONG)
    assert signed_in(admin_login(staff.email))


def test_the_lock_ends_after_the_cool_off(staff):
    fail_until_locked(staff.email)
    last = AccessAttempt.objects.get().attempt_time
    AccessAttempt.objects.update(attempt_time=last - timedelta(minutes=16))
    assert signed_in(admin_login(staff.email))


def test_an_admin_unlocks_the_account_in_the_admin(staff, make_user):
    fail_until_locked(staff.email)
    unlocker = Client()
    unlocker.force_login(make_user("admin", email="other.admin@example.com"))
    listing = unlocker.get("/admin/axes/accessattempt/?locked_out=yes")
    assert listing.status_code == 200
    assert staff.email in listing.content.decode()
    attempts = list(AccessAttempt.objects.filter(username=staff.email).values_list("pk", flat=True))
    response = unlocker.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": attempts,
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signed_in(admin_login(staff.email))
    unlocks = ActivityLog.objects.filter(action="delete", entity_type="axes.accessattempt")
    assert unlocks.count() == len(attempts)


def test_a_non_admin_role_cannot_unlock(staff, make_user):
    fail_until_locked(staff.email)
    support = Client()
    support.force_login(make_user("support"))
    assert support.get("/admin/axes/accessattempt/").status_code == 403


def test_the_api_login_is_not_locked_by_the_admin_lockout(api_client, staff):
    fail_until_locked(staff.email)
    response = api_login(api_client, staff.email)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh", "user"}


def test_api_login_failures_are_not_counted_and_stay_json(api_client, staff, monkeypatch):
    """The API login answers its contract (401 JSON, its own throttles): axes neither counts its
    failures nor turns them into its lockout page."""
    monkeypatch.setattr(LoginView, "throttle_classes", [])
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert_error(api_login(api_client, staff.email, WRONG, REMOTE_ADDR=ATTACKER_IP), 401)
    assert not AccessAttempt.objects.exists()
    assert api_login(api_client, staff.email, REMOTE_ADDR=ATTACKER_IP).status_code == 200
    assert signed_in(admin_login(staff.email))
