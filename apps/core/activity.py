"""The activity log: one mechanism for every staff write, reused by every app.

- Services and views call ``activity_record`` with the actor, the action and the entity.
- ``snapshot``/``changed`` turn model instances into the before/after JSON of changed fields.
- ``ActivityLoggedViewSetMixin`` records DRF create/update/destroy by staff.
- ``ActivityLoggedAdminMixin`` (in apps.core.admin) records every admin add/change/delete.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, overload

from django.db import models

from .context import client_ip as client_ip  # views read the client's IP through it too
from .context import current
from .models import ActivityLog

SENSITIVE_FIELDS = {"password", "token", "secret", "client_secret", "key"}


def is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or None
    return value


@overload
def snapshot(instance: models.Model) -> dict: ...
@overload
def snapshot(instance: None) -> None: ...
@overload
def snapshot(instance: models.Model | None) -> dict | None: ...
def snapshot(instance: models.Model | None) -> dict | None:
    """The instance's concrete field values as JSON (sensitive fields masked)."""
    if instance is None:
        return None
    data = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        if field.name in SENSITIVE_FIELDS:
            data[field.name] = "***"
            continue
        data[field.name] = _jsonable(getattr(instance, name))
    return data


def changed(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the fields whose values differ (all of them for a create or delete)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    skip = {"updated_at"}
    keys = [k for k in keys if k not in skip]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def activity_record(
    *,
    actor,
    action: str,
    entity: models.Model | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    only_changes: bool = True,
) -> ActivityLog:
    """Append one entry. ``action`` is a verb such as create, update, delete, or a domain
    verb (order.transition, user.deactivate). Call inside the write's transaction.
    The IP and user agent come from the current request's context (none outside a request)."""
    if only_changes:
        before, after = changed(before, after)
    if entity is not None:
        entity_type = entity_type or entity._meta.label_lower
        entity_id = entity_id or str(entity.pk)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    context = current()
    return ActivityLog.objects.create(
        actor=actor_obj,
        actor_email=getattr(actor_obj, "email", "") or "",
        action=action,
        entity_type=entity_type or "",
        entity_id=str(entity_id or ""),
        entity_repr=str(entity)[:200] if entity is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=context.ip,
        user_agent=context.user_agent[:500],
        request_id=context.request_id,
    )


class ActivityLoggedViewSetMixin:
    """For DRF generic views: records staff creates, updates and deletes in the activity log.

    Put it before the generic view class. ``destroy`` that does not really delete (archive,
    deactivate) should call ``activity_record`` from its service instead.
    """

    activity_entity_type: str | None = None

    def perform_create(self, serializer):
        super().perform_create(serializer)
        if is_staff_user(self.request.user):
            activity_record(
                actor=self.request.user,
                action="create",
                entity=serializer.instance,
                entity_type=self.activity_entity_type,
                after=snapshot(serializer.instance),
            )

    def perform_update(self, serializer):
        before = snapshot(serializer.instance)
        super().perform_update(serializer)
        if is_staff_user(self.request.user):
            activity_record(
                actor=self.request.user,
                action="update",
                entity=serializer.instance,
                entity_type=self.activity_entity_type,
                before=before,
                after=snapshot(serializer.instance),
            )

    def perform_destroy(self, instance):
        before = snapshot(instance)
        entity_type = self.activity_entity_type or instance._meta.label_lower
        entity_id = str(instance.pk)
        super().perform_destroy(instance)
        if is_staff_user(self.request.user):
            activity_record(
                actor=self.request.user,
                action="delete",
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
            )


PERSONAL_KEYS = ("email", "full_name", "phone", "company", "first_name", "last_name")


def activity_log_scrub_person(*, user_id, entity_type: str) -> int:
    """Erasure (GDPR): remove a person's identifying data from the log while keeping the
    entries themselves (who did what stays answerable as "an erased user").
    The one sanctioned rewrite of the append-only log."""
    ActivityLog.objects.filter(actor_id=user_id).update(actor_email="")
    rows = ActivityLog.objects.filter(entity_type=entity_type, entity_id=str(user_id))
    count = 0
    for log in rows.only("id", "before", "after"):
        before = (
            {k: v for k, v in (log.before or {}).items() if k not in PERSONAL_KEYS}
            if log.before is not None
            else None
        )
        after = (
            {k: v for k, v in (log.after or {}).items() if k not in PERSONAL_KEYS}
            if log.after is not None
            else None
        )
        count += ActivityLog.objects.filter(pk=log.pk).update(
            entity_repr="(erased user)", before=before, after=after
        )
    return count
