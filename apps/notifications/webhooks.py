"""The ESPs' delivery-tracking webhooks: django-anymail's tracking views, one per supported
ESP, at ``/api/v1/webhooks/email/<esp>/tracking``. Anymail sends its ``tracking`` signal for
each event (see receivers.py).

Anymail accepts unauthenticated posts (with only a warning) when no secret is configured; here
an ESP's endpoint answers 404 until it can verify the sender: its signature secret (Resend's
svix secret, Mailgun's signing key: ``EMAIL_WEBHOOK_SIGNING_KEY``) or HTTP basic auth
(``ANYMAIL_WEBHOOK_SECRET``, "user:password" in the webhook URL configured at the ESP). So
nobody can post fake bounces to get addresses suppressed."""

from __future__ import annotations

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.resend import ResendTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.core.exceptions import error_body

# esp -> (anymail view, its own signature setting or None, whether basic auth alone is enough)
TRACKING_VIEWS = {
    "resend": (ResendTrackingWebhookView, "RESEND_SIGNING_SECRET", True),
    "mailgun": (MailgunTrackingWebhookView, "MAILGUN_WEBHOOK_SIGNING_KEY", False),
    "postmark": (PostmarkTrackingWebhookView, None, True),
    "sendgrid": (SendGridTrackingWebhookView, None, True),
    "brevo": (BrevoTrackingWebhookView, None, True),
    "amazon_ses": (AmazonSESTrackingWebhookView, None, True),
}
_VIEWS = {esp: view.as_view() for esp, (view, _, _) in TRACKING_VIEWS.items()}


def tracking_webhook_secured(esp: str) -> bool:
    """Whether the ESP's webhook can verify who calls it with the current settings."""
    if esp not in TRACKING_VIEWS:
        return False
    _, signature_setting, basic_auth_enough = TRACKING_VIEWS[esp]
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if signature_setting and anymail.get(signature_setting):
        return True
    return basic_auth_enough and bool(anymail.get("WEBHOOK_SECRET"))


@csrf_exempt
def esp_tracking_webhook(request, esp: str):
    if not tracking_webhook_secured(esp):
        return JsonResponse(
            error_body(404, "not_found", f"No email tracking webhook is configured for {esp!r}."),
            status=404,
        )
    return _VIEWS[esp](request)
