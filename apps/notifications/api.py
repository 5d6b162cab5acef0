"""The notifications app's public surface for other apps.

Owns: the email outbox (messages, attachments, suppressions, delivery tracking through the
providers' webhooks), broadcasts, in-app notifications and preferences, and text messages (SMS,
WhatsApp).

Events: emits none. Listens to ``accounts.api.password_reset_requested`` (the reset or
invitation email) and to the email provider's tracking signal.

Offers:

- ``email_queue``: every email of the platform goes through the outbox (retries, tracking,
  suppression, staff visibility). Call it inside the transaction of the change that causes the
  email: the row commits (or rolls back) with it, and the send task runs after the commit.
- ``notification_create``: an in-app notification for one user.
- ``role_emails``: who holds a role (the recipients of staff alerts).
- ``sms_send``: a text message (SMS or WhatsApp), to a user who opted in or to a number.

Email templates and the context each takes are documented at the top of each template in
``templates/emails/``; every template also gets ``site`` (SiteSettings) and ``frontend_url``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from .selectors import role_emails as _role_emails
from .services import inapp, outbox, sms

if TYPE_CHECKING:
    from apps.accounts.api import User

    from .models import EmailMessage, Notification, SmsMessage


def email_queue(
    *,
    to: str | list[str],
    template: str,
    context: dict | None = None,
    subject: str | None = None,
    related: models.Model | None = None,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    render_at_send: bool = False,
) -> EmailMessage:
    """Render templates/emails/<template>.html and .txt (the base layout gets company name and
    support email from site settings), subject from ``subject`` or the template's
    ``{% block subject %}`` / <template>.subject.txt; create ONE outbox row per call (``to`` may
    be a list of recipients of the same message — use one call per person when recipients must
    not see each other) in the caller's transaction; enqueue the send task on commit.

    ``context`` is stored as JSON (model instances as their primary key) except for templates
    that carry a secret (password_reset, invitation). ``related`` links the row to a business
    object (generic relation). ``reply_to`` defaults to the site's support email, ``from_email``
    to DEFAULT_FROM_EMAIL. ``attachments``: (filename, content, mimetype), at most
    EMAIL_MAX_ATTACHMENT_BYTES in total.

    Suppressed addresses (hard bounce, spam complaint, unsubscribe) are skipped and listed in
    the row's ``suppressed_recipients``; when no recipient is left the row IS created, with
    status ``failed`` and the reason in ``error_message``, and nothing is sent.
    Invalid addresses raise ``django.core.exceptions.ValidationError`` (attr ``to``).

    ``render_at_send=True`` (hot public paths): the request only stores the row; the worker
    renders it and checks suppressions when sending (the context must be plain JSON)."""
    return outbox.email_queue(
        to=to,
        template=template,
        context=context,
        subject=subject,
        related=related,
        reply_to=reply_to,
        from_email=from_email,
        attachments=attachments,
        render_at_send=render_at_send,
    )


def notification_create(*, user: User, title: str, body: str = "", link: str = "") -> Notification:
    """An in-app notification for one user (``link``: a path such as /orders/FD-1 or an
    http(s) URL)."""
    return inapp.notification_create(user=user, title=title, body=body, link=link)


def role_emails(*, role: str) -> list[str]:
    """Emails of the active users holding a role (e.g. 'sales', 'finance', 'logistics')."""
    return _role_emails(role=role)


def sms_send(
    *, body: str, user: User | None = None, to: str | None = None, channel: str = "sms"
) -> SmsMessage | None:
    """Queue a text message (``channel``: "sms" or "whatsapp"), sent by a task on commit.
    With ``user``: to the user's phone, only if they opted in to that channel — otherwise
    nothing is queued and None is returned. With ``to``: to that E.164 number."""
    return sms.sms_queue(body=body, user=user, to=to, channel=channel)


__all__ = ["email_queue", "notification_create", "role_emails", "sms_send"]
