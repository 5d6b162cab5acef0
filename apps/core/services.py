from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from .activity import activity_record, snapshot
from .models import SiteSettings
from .selectors import site_settings_get


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]):
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
def site_settings_update(*, actor, data: dict) -> SiteSettings:
    obj = SiteSettings.objects.select_for_update().get(pk=site_settings_get().pk)
    before = snapshot(obj)
    obj, updated = model_update(instance=obj, fields=SITE_SETTINGS_FIELDS, data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=obj, before=before, after=snapshot(obj))
    return obj


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send a Celery task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


def unique_slug(model, base: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """``base`` slugified; on collision ``-2``, ``-3``... (one query for all candidates).
    The unique constraint still decides under a race: callers retry on IntegrityError."""
    root = (slugify(base) or "item")[: max_length - 8].strip("-") or "item"
    taken = set(
        model.objects.filter(slug__startswith=root).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    if root not in taken:
        return root
    n = 2
    while f"{root}-{n}" in taken:
        n += 1
    return f"{root}-{n}"
