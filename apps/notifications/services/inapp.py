"""In-app notifications and the users' channel preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.errors import NotFound

from ..models import Notification, NotificationPreference
from ..text import without_nul

if TYPE_CHECKING:
    from apps.accounts.api import User

LINK_PREFIXES = ("/", "https://", "http://")


def notification_create(*, user: User, title: str, body: str = "", link: str = "") -> Notification:
    title = " ".join(without_nul(title or "").split())
    body = without_nul(body or "")
    link = without_nul(link or "").strip()
    errors = {}
    if not title:
        errors["title"] = "A title is required."
    if link and (not link.startswith(LINK_PREFIXES) or link.startswith("//")):
        errors["link"] = "Use a path (/orders/FD-1) or an http(s) URL."
    if errors:
        raise ValidationError(errors)
    return Notification.objects.create(user=user, title=title[:200], body=body or "", link=link[:500])


def notification_mark_read(*, user: User, notification_id: UUID | str) -> Notification:
    """Mark one of the caller's notifications read (again: no change). Another user's: 404."""
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db()
    return notification


@transaction.atomic
def preference_update(*, user: User, data: dict) -> NotificationPreference:
    """Opt in or out of SMS / WhatsApp. Opting in needs a phone number on the profile."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    errors = {}
    for field in ("sms_opt_in", "whatsapp_opt_in"):
        if field not in data:
            continue
        if data[field] and not (user.phone or "").strip():
            errors[field] = "Add a phone number to your profile first."
        else:
            setattr(preference, field, bool(data[field]))
    if errors:
        raise ValidationError(errors)
    preference.save()
    return preference
