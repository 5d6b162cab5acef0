"""The accounts app's public surface for other apps.

- Object permissions (django-guardian): ``object_permission_grant``/``_revoke`` and
  ``objects_visible_to`` — the queryset filter "objects this user may view", in SQL.
- Personal data (GDPR): apps register what they hold about a user with
  ``register_personal_data``; the export and erase endpoints call every registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from apps.core.roles import has_role, is_staff_member, user_roles  # noqa: F401 (re-exported)

# --- Object permissions ------------------------------------------------------------------


def _full_perm(perm: str, model) -> str:
    if "." in perm:
        return perm
    codename = perm if "_" in perm else f"{perm}_{model._meta.model_name}"
    return f"{model._meta.app_label}.{codename}"


def object_permission_grant(*, user, perm: str, obj: Model) -> None:
    """Give ``user`` the permission ``perm`` ("view", "change_inquiry" or "leads.view_inquiry")
    on the single object ``obj``."""
    assign_perm(_full_perm(perm, type(obj)), user, obj)


def object_permission_revoke(*, user, perm: str, obj: Model) -> None:
    remove_perm(_full_perm(perm, type(obj)), user, obj)


def objects_visible_to(*, user, queryset: QuerySet, perm: str = "view") -> QuerySet:
    """The part of ``queryset`` that ``user`` may see with ``perm``: all of it with the
    model-wide permission (or as superuser), else the objects granted to the user (directly
    or through a group), filtered in SQL. Anonymous users see nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    full = _full_perm(perm, queryset.model)
    if user.is_superuser or user.has_perm(full):
        return queryset
    return get_objects_for_user(
        user, full, klass=queryset, accept_global_perms=False, with_superuser=True
    )


# --- Personal data -----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalDataSource:
    name: str
    export: Callable  # (user) -> JSON-able data
    erase: Callable | None = None  # (user) -> None; anonymise, keep accounting records


PERSONAL_DATA_SOURCES: dict[str, PersonalDataSource] = {}


def register_personal_data(name: str, *, export: Callable, erase: Callable | None = None):
    PERSONAL_DATA_SOURCES[name] = PersonalDataSource(name=name, export=export, erase=erase)
