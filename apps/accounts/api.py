"""The accounts app's public surface for other apps.

Owns: users (``User``, email as login), roles (groups), object permissions, personal-data
export and erasure, login lockout and tokens.

Offers: ``User`` (the model, for queries), ``user_create``, ``customer_get_or_invite``, the role
helpers, and:

- Object permissions (django-guardian): ``object_permission_grant``/``_revoke`` and
  ``objects_visible_to`` — the queryset filter "objects this user may view", in SQL.
- Personal data (GDPR): apps register what they hold about a user with
  ``register_personal_data``; the export and erase endpoints call every registration.

Events: ``password_reset_requested`` (a reset or an invitation link was made; the notifications
app turns it into an email).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.dispatch import Signal
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from guardian.utils import get_user_obj_perms_model

from apps.core.memo import VersionedMemo
from apps.core.roles import CUSTOMER, has_role, is_staff_member, user_roles  # noqa: F401 (re-exported)

from .models import User

# Whom a read is for: an account, or the anonymous visitor (what ``request.user`` is).
AnyUser: TypeAlias = User | AnonymousUser

# --- Object permissions ------------------------------------------------------------------


def _full_perm(perm: str, model) -> str:
    if "." in perm:
        return perm
    codename = perm if "_" in perm else f"{perm}_{model._meta.model_name}"
    return f"{model._meta.app_label}.{codename}"


def object_permission_grant(*, user: User, perm: str, obj: Model) -> None:
    """Give ``user`` the permission ``perm`` ("view", "change_inquiry" or "leads.view_inquiry")
    on the single object ``obj``."""
    assign_perm(_full_perm(perm, type(obj)), user, obj)


def object_permission_revoke(*, user: User, perm: str, obj: Model) -> None:
    remove_perm(_full_perm(perm, type(obj)), user, obj)


def objects_visible_to(
    *, user: AnyUser | None, queryset: QuerySet, perm: str = "view", use_groups: bool = True
) -> QuerySet:
    """The part of ``queryset`` that ``user`` may see with ``perm``: all of it with the
    model-wide permission (or as superuser), else the objects granted to the user (directly
    or through a group), filtered in SQL. Anonymous users see nothing.

    ``use_groups=False`` for models whose object permissions are only ever granted to users
    (e.g. on assignment): the filter is then one semi-join that PostgreSQL plans with indexes,
    where "granted to the user OR to one of their groups" makes it scan the whole table."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    full = _full_perm(perm, queryset.model)
    if user.is_superuser or user.has_perm(full):
        return queryset
    # The permission model is chosen at run time: the model's own direct-permission table (a
    # UserObjectPermissionBase subclass with a ``content_object`` foreign key) or guardian's
    # generic one, so no static type fits its fields. guardian annotates ``obj`` as an instance
    # but takes a model class as well (it reads the class of an instance first).
    direct: Any = get_user_obj_perms_model(queryset.model)  # type: ignore[arg-type]
    if not use_groups and not direct.objects.is_generic():
        # A model with its own object-permission table (a real foreign key): one indexed
        # semi-join on the user's rows, instead of guardian's general query.
        codename = full.split(".", 1)[1]
        granted = direct.objects.filter(
            user=user,
            permission__codename=codename,
            permission__content_type_id=ContentType.objects.get_for_model(queryset.model).pk,
        ).values("content_object_id")
        return queryset.filter(pk__in=granted)
    return get_objects_for_user(
        user,
        full,
        klass=queryset,
        accept_global_perms=False,
        with_superuser=True,
        use_groups=use_groups,
    )


# --- Who holds a role -----------------------------------------------------------------------


def _role_emails_compute(role: str) -> tuple[str, ...]:
    return tuple(
        User.objects.filter(groups__name=role, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


# Every alert to a role (each public inquiry alerts sales) reads this: each process keeps it
# until a user, a group or a membership changes (``signals``).
ROLE_EMAILS = VersionedMemo("accounts:role-emails", _role_emails_compute)


def role_emails(*, role: str) -> list[str]:
    """Emails of the active users holding ``role``, sorted (erased accounts are inactive)."""
    return list(ROLE_EMAILS.get(role))


# --- Personal data -----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalDataSource:
    name: str
    export: Callable  # (*, user) -> JSON-able data
    erase: Callable | None = None  # (*, user) -> None; anonymise, keep accounting records


PERSONAL_DATA_SOURCES: dict[str, PersonalDataSource] = {}


def register_personal_data(*, name: str, export: Callable, erase: Callable | None = None) -> None:
    PERSONAL_DATA_SOURCES[name] = PersonalDataSource(name=name, export=export, erase=erase)


# --- Customers for other apps -------------------------------------------------------------


def customer_get_or_invite(
    *, email: str, full_name: str = "", phone: str = "", company: str = "", actor: AnyUser | None = None
) -> tuple[User, bool]:
    """The account with this email (compared case-insensitively), or a new ``customer`` account
    without a usable password whose owner is invited by email to set one (the invitation is
    sent when ``actor``, the staff member acting, is given). Returns (user, created)."""
    from django.core.exceptions import ValidationError

    from .models import normalize_email
    from .services import user_create

    email = normalize_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    try:
        user = user_create(email=email, full_name=full_name, phone=phone, company=company, actor=actor)
    except ValidationError:
        existing = User.objects.filter(email__iexact=email).first()  # created concurrently
        if existing is None:
            raise
        return existing, False
    return user, True


# --- Events for higher layers ------------------------------------------------------------

#: Sent inside the transaction of a password reset request or a staff invitation, with
#: ``user``, ``invitation`` (bool), ``reset_url`` and ``valid_hours``. The notifications app
#: listens and queues the email (accounts sits below notifications, so it never imports it).
password_reset_requested = Signal()


def user_create(
    *,
    email: str,
    password: str | None = None,
    full_name: str = "",
    phone: str = "",
    company: str = "",
    preferred_currency: str | None = None,
    roles: list[str] | tuple[str, ...] = (CUSTOMER,),
    is_superuser: bool = False,
    is_active: bool = True,
    email_verified: bool = False,
    actor: AnyUser | None = None,
) -> User:
    """A new account (``services.user_create``). Imported when called: the services import
    this module."""
    from .services import user_create as create

    return create(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone,
        company=company,
        preferred_currency=preferred_currency,
        roles=roles,
        is_superuser=is_superuser,
        is_active=is_active,
        email_verified=email_verified,
        actor=actor,
    )


__all__ = [
    "AnyUser",
    "customer_get_or_invite",
    "has_role",
    "is_staff_member",
    "object_permission_grant",
    "object_permission_revoke",
    "objects_visible_to",
    "password_reset_requested",
    "PERSONAL_DATA_SOURCES",
    "PersonalDataSource",
    "register_personal_data",
    "role_emails",
    "ROLE_EMAILS",
    "User",
    "user_create",
    "user_roles",
    "VersionedMemo",
]
