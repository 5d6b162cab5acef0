"""Account services and the accounts app's public API: object permissions (django-guardian),
role groups, user creation rules."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import services
from apps.accounts.api import object_permission_grant, object_permission_revoke, objects_visible_to
from apps.accounts.models import User
from apps.accounts.roles import ROLE_PERMISSIONS, _matches
from apps.core.errors import ApplicationError
from apps.core.models import ActivityLog
from apps.core.roles import ALL_ROLES, CUSTOMER, STAFF_ROLES

pytestmark = pytest.mark.django_db

PASSWORD = "Sup3r-secret-pw"


def grants_view_user(role):
    return any(_matches("accounts.view_user", p) for p in ROLE_PERMISSIONS[role])


# Staff roles whose role table gives no model-wide view permission on users.
ROLES_WITHOUT_VIEW_USER = [r for r in STAFF_ROLES if not grants_view_user(r)]
ROLES_WITH_VIEW_USER = [r for r in STAFF_ROLES if grants_view_user(r)]


def visible(user):
    return set(objects_visible_to(user=user, queryset=User.objects.all()))


@pytest.fixture
def restricted_support(make_user):
    """A support user whose group does not hold the model-wide accounts.view_user (the role
    table gives it to support; it is taken away here, inside the test's transaction)."""
    Group.objects.get(name="support").permissions.remove(
        Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    )
    return make_user("support")


# --- objects_visible_to / object_permission_grant ------------------------------------------


def test_support_without_model_wide_view_sees_no_users(restricted_support, make_user):
    make_user("customer")
    make_user("sales")
    assert not restricted_support.has_perm("accounts.view_user")
    assert visible(restricted_support) == set()


def test_support_granted_one_user_sees_exactly_that_user(restricted_support, make_user):
    customer = make_user("customer")
    make_user("customer")
    object_permission_grant(user=restricted_support, perm="view", obj=customer)
    assert visible(restricted_support) == {customer}


@pytest.mark.parametrize("role", ROLES_WITHOUT_VIEW_USER)
def test_staff_role_without_view_user_sees_only_granted_users(role, make_user):
    staff = make_user(role)
    granted, _ = make_user("customer"), make_user("customer")
    assert visible(staff) == set()
    object_permission_grant(user=staff, perm="view", obj=granted)
    assert visible(staff) == {granted}


@pytest.mark.parametrize("perm", ["view", "view_user", "accounts.view_user"])
def test_permission_names_are_accepted_short_or_full(restricted_support, make_user, perm):
    customer = make_user("customer")
    object_permission_grant(user=restricted_support, perm=perm, obj=customer)
    assert set(objects_visible_to(user=restricted_support, queryset=User.objects.all(), perm=perm)) == {
        customer
    }


def test_a_grant_for_another_permission_does_not_make_an_object_visible(restricted_support, make_user):
    customer = make_user("customer")
    object_permission_grant(user=restricted_support, perm="change", obj=customer)
    assert visible(restricted_support) == set()
    assert set(objects_visible_to(user=restricted_support, queryset=User.objects.all(), perm="change")) == {
        customer
    }


def test_a_grant_to_a_group_makes_the_object_visible_to_its_members(restricted_support, make_user):
    customer = make_user("customer")
    team = Group.objects.create(name="support-team-emea")
    restricted_support.groups.add(team)
    object_permission_grant(user=team, perm="view", obj=customer)
    assert visible(User.objects.get(pk=restricted_support.pk)) == {customer}


def test_revoking_a_grant_hides_the_object_again(restricted_support, make_user):
    customer = make_user("customer")
    object_permission_grant(user=restricted_support, perm="view", obj=customer)
    object_permission_revoke(user=restricted_support, perm="view", obj=customer)
    assert visible(restricted_support) == set()


def test_grants_are_per_user(restricted_support, make_user):
    customer = make_user("customer")
    colleague = make_user("support")
    object_permission_grant(user=restricted_support, perm="view", obj=customer)
    # The colleague shares the (restricted) role, not the grant.
    assert visible(colleague) == set()


def test_visible_filter_respects_the_given_queryset(restricted_support, make_user):
    one, two = make_user("customer"), make_user("customer")
    object_permission_grant(user=restricted_support, perm="view", obj=one)
    object_permission_grant(user=restricted_support, perm="view", obj=two)
    qs = objects_visible_to(user=restricted_support, queryset=User.objects.exclude(pk=two.pk))
    assert set(qs) == {one}


def test_model_wide_view_user_sees_all_users(make_user):
    viewer = make_user("customer")
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    )
    viewer = User.objects.get(pk=viewer.pk)  # fresh permission cache
    for _ in range(3):
        make_user("customer")
    assert visible(viewer) == set(User.objects.all())


@pytest.mark.parametrize("role", ROLES_WITH_VIEW_USER)
def test_roles_with_view_user_in_the_role_table_see_all_users(role, make_user):
    staff = make_user(role)
    make_user("customer")
    assert visible(staff) == set(User.objects.all())


def test_superuser_sees_all_users(make_user):
    boss = make_user(is_superuser=True)
    make_user("customer")
    assert visible(boss) == set(User.objects.all())


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_anonymous_sees_no_users(anonymous, make_user):
    make_user("customer")
    assert list(objects_visible_to(user=anonymous, queryset=User.objects.all())) == []


def test_an_inactive_user_sees_nothing_even_with_grants(make_user):
    customer = make_user("customer")
    staff = make_user("sales", is_active=False)
    object_permission_grant(user=staff, perm="view", obj=customer)
    assert visible(staff) == set()


@pytest.mark.parametrize("granted", [1, 10])
def test_the_visibility_filter_is_one_sql_query(restricted_support, make_user, granted):
    users = [make_user("customer") for _ in range(12)]
    for user in users[:granted]:
        object_permission_grant(user=restricted_support, perm="view", obj=user)
    support = User.objects.get(pk=restricted_support.pk)
    with CaptureQueriesContext(connection) as building:
        qs = objects_visible_to(user=support, queryset=User.objects.all())
    with CaptureQueriesContext(connection) as evaluating:
        rows = list(qs)
    assert {u.pk for u in rows} == {u.pk for u in users[:granted]}
    assert len(evaluating.captured_queries) == 1, evaluating.captured_queries
    # Building the filter costs the same whatever the number of grants (no per-row checks).
    assert len(building.captured_queries) <= 4, building.captured_queries


def test_the_visibility_filter_query_count_does_not_depend_on_the_number_of_grants(make_user):
    counts = []
    for granted in (1, 8):
        viewer = make_user("logistics")
        for user in [make_user("customer") for _ in range(granted)]:
            object_permission_grant(user=viewer, perm="view", obj=user)
        viewer = User.objects.get(pk=viewer.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert len(list(objects_visible_to(user=viewer, queryset=User.objects.all()))) == granted
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- Role groups -----------------------------------------------------------------------------


def _expected_permissions(role):
    patterns = ROLE_PERMISSIONS[role]
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
        if any(_matches(f"{p.content_type.app_label}.{p.codename}", pattern) for pattern in patterns)
    }


def _group_permissions(role):
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_every_role_group_exists():
    assert set(Group.objects.filter(name__in=ALL_ROLES).values_list("name", flat=True)) == set(ALL_ROLES)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_groups_hold_the_permissions_of_the_role_table(role):
    assert _group_permissions(role) == _expected_permissions(role)


def test_admin_group_has_user_management_permissions_but_not_internals():
    perms = _group_permissions("admin")
    assert {
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "core.view_activitylog",
    } <= perms
    assert not any(
        p.startswith(("guardian.", "token_blacklist.", "sessions.", "contenttypes.")) for p in perms
    )


def test_customer_group_has_no_permissions():
    assert _group_permissions(CUSTOMER) == set()


def test_sales_group_can_view_but_not_change_users():
    perms = _group_permissions("sales")
    assert "accounts.view_user" in perms
    assert "accounts.change_user" not in perms and "accounts.delete_user" not in perms


def test_role_permissions_reach_the_user(make_user):
    assert make_user("finance").has_perm("accounts.view_user")
    assert not make_user("customer").has_perm("accounts.view_user")
    assert not make_user("content").has_perm("accounts.view_user")


# --- user_create / user_update / deactivate ---------------------------------------------------


def test_user_create_rejects_an_unknown_role():
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(email="role@example.com", password=PASSWORD, roles=["customer", "wizard"])
    assert "roles" in excinfo.value.message_dict
    assert "wizard" in str(excinfo.value.message_dict["roles"])
    assert not User.objects.filter(email="role@example.com").exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_user_create_with_a_staff_role_sets_is_staff(role):
    user = services.user_create(email=f"{role}@example.com", password=PASSWORD, roles=[role])
    assert user.is_staff
    assert User.objects.get(pk=user.pk).is_staff
    assert list(user.groups.values_list("name", flat=True)) == [role]


def test_user_create_defaults_to_a_customer_who_is_not_staff():
    user = services.user_create(email="Plain@Example.com", password=PASSWORD)
    assert user.email == "plain@example.com"
    assert not User.objects.get(pk=user.pk).is_staff
    assert list(user.groups.values_list("name", flat=True)) == [CUSTOMER]
    assert user.check_password(PASSWORD)


def test_user_create_superuser_is_staff_whatever_the_roles():
    user = services.user_create(
        email="root@example.com", password=PASSWORD, roles=[CUSTOMER], is_superuser=True
    )
    assert User.objects.get(pk=user.pk).is_staff


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_user_create_rejects_a_taken_email_case_insensitively(make_user, email):
    make_user(email="taken@example.com")
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(email=email, password=PASSWORD)
    assert "email" in excinfo.value.message_dict
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_user_create_validates_the_password():
    with pytest.raises(ValidationError):
        services.user_create(email="weak@example.com", password="123")
    assert not User.objects.filter(email="weak@example.com").exists()


def test_user_create_by_staff_without_password_invites_and_logs(
    make_user, django_capture_on_commit_callbacks
):
    admin = make_user("admin")
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(email="invite@example.com", password=None, roles=["sales"], actor=admin)
    assert not user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["invite@example.com"]]
    log = ActivityLog.objects.get(action="create", entity_id=str(user.pk))
    assert log.actor == admin


def test_user_create_without_actor_sends_no_invitation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_create(email="quiet@example.com", password=None)
    assert mail.outbox == []
    assert not ActivityLog.objects.exists()


def test_user_update_role_change_syncs_is_staff(make_user):
    admin = make_user("admin")
    user = make_user("sales")
    services.user_update(user=user, data={"roles": [CUSTOMER]}, actor=admin)
    assert not User.objects.get(pk=user.pk).is_staff
    services.user_update(user=user, data={"roles": ["logistics"]}, actor=admin)
    assert User.objects.get(pk=user.pk).is_staff


def test_user_update_rejects_an_unknown_role(make_user):
    user = make_user("sales")
    with pytest.raises(ValidationError):
        services.user_update(user=user, data={"roles": ["wizard"]}, actor=make_user("admin"))
    assert list(User.objects.get(pk=user.pk).groups.values_list("name", flat=True)) == ["sales"]


def test_user_deactivate_refuses_the_actor_themselves(make_user):
    admin = make_user("admin")
    with pytest.raises(ApplicationError) as excinfo:
        services.user_deactivate(user=admin, actor=admin)
    assert excinfo.value.code == "cannot_deactivate_self"
    assert User.objects.get(pk=admin.pk).is_active


def test_tokens_revoke_all_blacklists_every_outstanding_refresh_token(make_user):
    user, other = make_user(), make_user()
    for _ in range(3):
        RefreshToken.for_user(user)
    theirs = RefreshToken.for_user(other)
    assert services.tokens_revoke_all(user=user) == 3
    assert BlacklistedToken.objects.filter(token__user=user).count() == 3
    assert not BlacklistedToken.objects.filter(token__jti=theirs["jti"]).exists()
    assert OutstandingToken.objects.filter(user=user).count() == 3
    assert services.tokens_revoke_all(user=user) == 0
