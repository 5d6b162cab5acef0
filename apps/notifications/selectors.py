"""Notification reads: querysets with their joins applied, and the broadcast progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from apps.accounts import api as accounts

from .models import Broadcast, EmailMessage, Notification, NotificationPreference, OutboxStatus

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser, User


def role_emails(*, role: str) -> list[str]:
    """Emails of the active users holding ``role`` (erased accounts are inactive)."""
    return accounts.role_emails(role=role)


def email_list() -> QuerySet:
    """The outbox, newest first, with what the list shows joined in (one query per page)."""
    return (
        EmailMessage.objects.select_related("related_content_type")
        .defer("body_text", "body_html", "context")
        .order_by("-created_at", "-id")
    )


def notification_list(*, user: AnyUser) -> QuerySet:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def broadcast_list() -> QuerySet:
    """Broadcasts with their progress counted from the recipients' outbox rows, in one query."""
    return (
        Broadcast.objects.select_related("created_by")
        .annotate(
            sent_count=Count("recipients", filter=Q(recipients__email_message__status=OutboxStatus.SENT)),
            failed_count=Count(
                "recipients",
                filter=Q(recipients__email_message__status=OutboxStatus.FAILED) | Q(recipients__error__gt=""),
            ),
        )
        .order_by("-created_at", "-id")
    )


def broadcast_progress(*, broadcast: Broadcast) -> dict:
    """``total`` (recipients when sending started), ``sent``, ``failed``, ``pending`` and
    ``skipped`` (suppressed addresses left out)."""
    sent = getattr(broadcast, "sent_count", None)
    failed = getattr(broadcast, "failed_count", None)
    if sent is None or failed is None:
        counted = broadcast_list().filter(pk=broadcast.pk).values("sent_count", "failed_count").first() or {}
        sent, failed = counted.get("sent_count", 0), counted.get("failed_count", 0)
    return {
        "total": broadcast.total,
        "sent": sent,
        "failed": failed,
        "pending": max(broadcast.total - sent - failed, 0),
        "skipped": broadcast.skipped,
    }


def preference_get(*, user: User) -> NotificationPreference:
    """The user's channel preferences (defaults, unsaved, when never set)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
