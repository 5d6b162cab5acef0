from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.utils.text import slugify

from .activity import activity_record, snapshot
from .models import SiteSettings
from .selectors import site_settings_get

if TYPE_CHECKING:
    from celery import Task

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: list[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set the given fields that are present in ``data``; save only what changed.
    Returns (instance, has_updated)."""
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean(exclude=[f.name for f in instance._meta.fields if f.name not in changed])
        if any(f.name == "updated_at" for f in instance._meta.fields):
            changed.append("updated_at")
        instance.save(update_fields=changed)
    return instance, bool(changed)


SITE_SETTINGS_FIELDS = ["company_name", "support_email", "default_currency", "low_stock_threshold"]


@transaction.atomic
def site_settings_update(*, actor: AbstractBaseUser | AnonymousUser | None, data: dict) -> SiteSettings:
    obj = SiteSettings.objects.select_for_update().get(pk=site_settings_get().pk)
    before = snapshot(obj)
    obj, updated = model_update(instance=obj, fields=SITE_SETTINGS_FIELDS, data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=obj, before=before, after=snapshot(obj))
    return obj


def enqueue_on_commit(
    *, task: Task, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None
) -> None:
    """Send a Celery task with ``args`` and ``kwargs`` once the current transaction commits (at
    once outside one)."""
    transaction.on_commit(lambda: task.delay(*args, **(kwargs or {})))


def unique_slug(
    *, model: type[models.Model], base: str, exclude_pk: Any = None, max_length: int = 200
) -> str:
    """``base`` slugified; on collision ``-2``, ``-3``... (one query for all candidates).
    The unique constraint still decides under a race: callers retry on IntegrityError."""
    root = (slugify(base) or "item")[: max_length - 8].strip("-") or "item"
    taken = set(
        model._default_manager.filter(slug__startswith=root)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if root not in taken:
        return root
    n = 2
    while f"{root}-{n}" in taken:
        n += 1
    return f"{root}-{n}"
