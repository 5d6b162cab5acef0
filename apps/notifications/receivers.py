"""Signals this app listens to (connected in NotificationsConfig.ready):

- accounts' ``password_reset_requested`` → the password reset / invitation email, queued in the
  sender's transaction (accounts sits below notifications and never imports it).
- django-anymail's ``tracking`` (from the ESP webhook views) → delivery status and suppressions.
"""

from anymail.signals import tracking
from django.dispatch import receiver

from apps.accounts.api import password_reset_requested

from .services import outbox
from .services import tracking as tracking_service


@receiver(password_reset_requested, dispatch_uid="notifications.password_reset_email")
def password_reset_email(sender, *, user, invitation: bool, reset_url: str, valid_hours: int, **kwargs):
    return outbox.email_queue(
        to=user.email,
        template="invitation" if invitation else "password_reset",
        context={"user": user, "reset_url": reset_url, "valid_hours": valid_hours},
        related=user,
    )


@receiver(tracking, dispatch_uid="notifications.esp_tracking")
def esp_tracking(sender, *, event, esp_name: str, **kwargs):
    return tracking_service.tracking_event_apply(event=event, esp_name=esp_name)
