"""The ESPs' delivery-tracking webhooks: django-anymail's tracking views, one per supported
ESP, at ``/api/v1/webhooks/email/<esp>/tracking``. Anymail sends its ``tracking`` signal for
each event (see receivers.py).

Anymail accepts unauthenticated posts (with only a warning) when no secret is configured; here
an ESP's endpoint answers 404 until it can verify the sender: its signature secret (Resend's
svix secret, Mailgun's signing key, SendGrid's verification key: ``EMAIL_WEBHOOK_SIGNING_KEY``)
or HTTP basic auth (``ANYMAIL_WEBHOOK_SECRET``, "user:password" in the webhook URL configured at
the ESP). So nobody can post fake bounces to get addresses suppressed.

Where the ESP signs a timestamp and a nonce (Mailgun: ``timestamp`` + ``token``; Resend/svix:
``svix-timestamp`` + ``svix-id``; SendGrid: its timestamp header + the signature), a delivery is
accepted only within ``EMAIL_WEBHOOK_TOLERANCE_SECONDS`` of now, and only once: its nonce is
kept in the cache (Redis: shared by every process) for the window, so a captured request cannot
be replayed. svix also checks its own 5-minute tolerance. A delivery whose events fail to apply
(a 500, which the ESP retries) gives its nonce back.

Every refusal is the error envelope (400 ``invalid_signature``, ``webhook_expired``,
``webhook_replayed``, ``parse_error``; 405; 404; Amazon SNS's 401), never Django's HTML."""

from __future__ import annotations

import hashlib
import json
import time

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.resend import ResendTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.core.exceptions import error_body

# A payload anymail cannot read raises one of these while it validates or parses it (a body
# nested too deep for Python's parser: RecursionError).
MALFORMED = (AnymailError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


class Rejected(Exception):
    def __init__(self, status: int, code: str, detail: str):
        self.status, self.code, self.detail = status, code, detail
        super().__init__(detail)

    def response(self) -> JsonResponse:
        return JsonResponse(error_body(self.status, self.code, self.detail), status=self.status)


# --- The signed (timestamp, nonce) of each scheme that has them ---------------------------------


def _mailgun_stamp(view, request) -> tuple[str, str] | None:
    if request.content_type == "application/json":
        payload = json.loads(request.body)
        block = payload.get("signature") if isinstance(payload, dict) else None
        if not isinstance(block, dict):
            return None
        timestamp, token = block.get("timestamp"), block.get("token")
    else:
        timestamp, token = request.POST.get("timestamp"), request.POST.get("token")
    return (str(timestamp), str(token)) if timestamp is not None and token is not None else None


def _svix_stamp(view, request) -> tuple[str, str] | None:
    if not getattr(view, "_svix_webhook", None):
        return None  # basic auth only: the headers are not signed
    headers = request.headers
    msg_id = headers.get("svix-id") or headers.get("webhook-id")
    timestamp = headers.get("svix-timestamp") or headers.get("webhook-timestamp")
    # svix resends a failed message with the same id, a new timestamp and a new signature.
    return (timestamp, f"{msg_id}:{timestamp}") if msg_id and timestamp else None


def _sendgrid_stamp(view, request) -> tuple[str, str] | None:
    if not getattr(view, "webhook_verification_key", None):
        return None
    timestamp = request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp")
    signature = request.headers.get("X-Twilio-Email-Event-Webhook-Signature")
    return (timestamp, signature) if timestamp and signature else None


class GuardedWebhookMixin:
    """Put before an anymail tracking view: the replay window, and the envelope for refusals."""

    esp: str = ""
    stamp = None  # (view, request) -> (timestamp, nonce) | None

    def http_method_not_allowed(self, request, *args, **kwargs):
        methods = ", ".join(m.upper() for m in self._allowed_methods())
        response = Rejected(405, "method_not_allowed", f'Method "{request.method}" not allowed.').response()
        response["Allow"] = methods
        return response

    def post(self, request, *args, **kwargs):
        self._nonce_key = None
        try:
            response = super().post(request, *args, **kwargs)
        except Rejected as rejected:
            return rejected.response()
        except Exception:
            if self._nonce_key:  # not applied: the ESP's retry must be accepted
                cache.delete(self._nonce_key)
            raise
        if response.status_code == 401 and not response.content:  # Amazon SNS asks for basic auth
            rejected = Rejected(401, "not_authenticated", "This webhook needs HTTP basic auth.").response()
            rejected["WWW-Authenticate"] = response["WWW-Authenticate"]
            return rejected
        return response

    def run_validators(self, request):
        try:
            stamp = self.stamp(request) if self.stamp else None
            if stamp is not None:
                self._check_window(stamp[0])
            super().run_validators(request)
        except Rejected:
            raise
        except AnymailWebhookValidationFailure as exc:
            raise Rejected(400, "invalid_signature", str(exc)) from exc
        except MALFORMED as exc:
            raise Rejected(400, "parse_error", f"The {self.esp_name} webhook payload is malformed.") from exc
        if stamp is not None:
            self._claim_nonce(stamp[1])

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except MALFORMED as exc:
            raise Rejected(400, "parse_error", f"The {self.esp_name} webhook payload is malformed.") from exc

    def _check_window(self, timestamp: str) -> None:
        tolerance = settings.EMAIL_WEBHOOK_TOLERANCE_SECONDS
        try:
            age = time.time() - int(timestamp)
        except (TypeError, ValueError) as exc:
            raise Rejected(400, "invalid_signature", "The webhook's timestamp is not a number.") from exc
        if abs(age) > tolerance:
            raise Rejected(
                400,
                "webhook_expired",
                f"The webhook was signed {int(abs(age))} s {'ago' if age > 0 else 'ahead'}; "
                f"deliveries are accepted within {tolerance} s.",
            )

    def _claim_nonce(self, nonce: str) -> None:
        digest = hashlib.sha256(nonce.encode("utf-8", "surrogatepass")).hexdigest()
        key = f"notifications:webhook-nonce:{self.esp}:{digest}"
        # Kept for both sides of the window: a timestamp up to the tolerance ahead stays valid
        # that much longer. cache.add is atomic in Redis (SET NX): one of two racing copies wins.
        if not cache.add(key, 1, timeout=2 * settings.EMAIL_WEBHOOK_TOLERANCE_SECONDS + 60):
            raise Rejected(400, "webhook_replayed", "This webhook delivery was already received.")
        self._nonce_key = key


def _guarded(esp: str, view_class, stamp=None):
    return type(f"Guarded{view_class.__name__}", (GuardedWebhookMixin, view_class),
                {"esp": esp, "stamp": stamp})  # fmt: skip


# esp -> (guarded anymail view, its own signature setting or None, whether basic auth alone is enough)
TRACKING_VIEWS = {
    "resend": (_guarded("resend", ResendTrackingWebhookView, _svix_stamp), "RESEND_SIGNING_SECRET", True),
    "mailgun": (
        _guarded("mailgun", MailgunTrackingWebhookView, _mailgun_stamp),
        "MAILGUN_WEBHOOK_SIGNING_KEY",
        False,
    ),
    "postmark": (_guarded("postmark", PostmarkTrackingWebhookView), None, True),
    "sendgrid": (
        _guarded("sendgrid", SendGridTrackingWebhookView, _sendgrid_stamp),
        "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY",
        True,
    ),
    "brevo": (_guarded("brevo", BrevoTrackingWebhookView), None, True),
    "amazon_ses": (_guarded("amazon_ses", AmazonSESTrackingWebhookView), None, True),
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
