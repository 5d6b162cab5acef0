"""What this app holds about a person (GDPR export and erasure, registered with accounts):
in-app notifications, channel preferences, the emails and text messages sent to them, and a
suppression of their address."""

from __future__ import annotations

import json

from django.db.models import Q

from apps.accounts.api import User

from .models import EmailMessage, Notification, NotificationPreference, SmsMessage, Suppression

ERASED = "(erased)"


def _emails_to(user):
    # "to" is a JSON list: match the quoted address, case-insensitively, on every database.
    return EmailMessage.objects.filter(to__icontains=json.dumps(user.email))


def export(*, user: User) -> dict:
    preference = NotificationPreference.objects.filter(user=user).first()
    return {
        "notifications": [
            {
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ],
        "preferences": {
            "sms_opt_in": bool(preference and preference.sms_opt_in),
            "whatsapp_opt_in": bool(preference and preference.whatsapp_opt_in),
        },
        "emails": [
            {
                "subject": m.subject,
                "template": m.template,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in _emails_to(user).defer("body_text", "body_html", "context").order_by("created_at")
        ],
        "text_messages": [
            {
                "channel": s.channel,
                "to": s.to,
                "body": s.body,
                "status": s.status,
                "created_at": s.created_at.isoformat(),
            }
            for s in SmsMessage.objects.filter(user=user).order_by("created_at")
        ],
        "suppressed": Suppression.objects.filter(email=user.email.lower()).exists(),
    }


def erase(*, user: User) -> None:
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    _emails_to(user).update(
        to=[],
        reply_to=[],
        subject=ERASED,
        body_text=ERASED,
        body_html="",
        context={},
        suppressed_recipients=[],
        delivery_detail="",
    )
    phone_filter = Q(user=user)
    if user.phone:
        phone_filter |= Q(to=user.phone)
    SmsMessage.objects.filter(phone_filter).update(to="", body=ERASED, user=None)
    Suppression.objects.filter(email=user.email.lower()).delete()
