"""The ESP webhooks' replay window (issue 16, item 12), with real signatures: a signed delivery
is accepted only within EMAIL_WEBHOOK_TOLERANCE_SECONDS of its signed timestamp and only once
(Mailgun's token, svix's message id and timestamp, SendGrid's signature), across processes
through the cache (Redis); svix's own tolerance holds too. Every refusal is the JSON envelope,
DEBUG or not. A correctly signed Mailgun payload 30 days old, and the same token twice, were
accepted; the 400s were Django's HTML pages in DEBUG."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from apps.notifications.models import Suppression
from tests.helpers import assert_error, together

from .factories import EmailMessageFactory

pytestmark = pytest.mark.django_db

MAILGUN = "/api/v1/webhooks/email/mailgun/tracking"
RESEND = "/api/v1/webhooks/email/resend/tracking"
SENDGRID = "/api/v1/webhooks/email/sendgrid/tracking"
SES = "/api/v1/webhooks/email/amazon_ses/tracking"
MAILGUN_KEY = "mailgun-webhook-signing-key-for-tests"
DAY = 24 * 3600


@pytest.fixture
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key-test", "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def mailgun_signature(timestamp: str, token: str, key: str = MAILGUN_KEY) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_bounce(
    recipient="bounced@example.com", *, age=0, token=None, key=MAILGUN_KEY, **event_data
) -> str:
    """A Mailgun hard bounce (JSON webhook), signed ``age`` seconds ago (negative: ahead)."""
    timestamp, token = str(int(time.time() - age)), token or secrets.token_hex(25)
    data = {
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "timestamp": float(timestamp),
        "id": secrets.token_hex(8),
        "recipient": recipient,
        "message": {"headers": {"message-id": "20260101.abc@mg.example.com"}},
        "delivery-status": {"code": 550, "message": "No such user", "description": "Not delivered"},
        **event_data,
    }
    signature = {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(timestamp, token, key),
    }
    return json.dumps({"signature": signature, "event-data": data})


def post_json(client, path, body, **headers):
    return client.post(path, data=body, content_type="application/json", **headers)


def suppressed() -> list[str]:
    return sorted(Suppression.objects.values_list("email", flat=True))


# --- Mailgun: timestamp + token ------------------------------------------------------------------


def test_a_fresh_mailgun_event_is_applied_once_and_its_replay_refused(client, mailgun):
    body = mailgun_bounce()
    assert post_json(client, MAILGUN, body).status_code == 200
    assert suppressed() == ["bounced@example.com"]
    Suppression.objects.all().delete()
    assert_error(post_json(client, MAILGUN, body), 400, code="webhook_replayed")
    # The same token with a new signed timestamp is the same delivery too.
    again = mailgun_bounce(token=json.loads(body)["signature"]["token"], age=-1)
    assert_error(post_json(client, MAILGUN, again), 400, code="webhook_replayed")
    assert suppressed() == []


@pytest.mark.parametrize("age", [30 * DAY, 301, -301, -DAY])
def test_a_mailgun_event_signed_outside_the_window_is_refused(client, mailgun, age):
    body = assert_error(post_json(client, MAILGUN, mailgun_bounce(age=age)), 400, code="webhook_expired")
    assert "300 s" in body["errors"][0]["detail"]
    assert suppressed() == []


def test_the_window_is_configurable(client, mailgun, settings):
    settings.EMAIL_WEBHOOK_TOLERANCE_SECONDS = 3600
    assert post_json(client, MAILGUN, mailgun_bounce("late@example.com", age=1800)).status_code == 200
    assert_error(post_json(client, MAILGUN, mailgun_bounce(age=2 * 3600)), 400, code="webhook_expired")
    assert suppressed() == ["late@example.com"]


def test_legacy_form_encoded_mailgun_events_have_the_window_too(client, mailgun):
    def form(age=0, token=None):
        timestamp, token = str(int(time.time() - age)), token or secrets.token_hex(25)
        return {
            "event": "bounced",
            "recipient": "legacy@example.com",
            "code": "550",
            "error": "No such user",
            "Message-Id": "<20260101.abc@mg.example.com>",
            "timestamp": timestamp,
            "token": token,
            "signature": mailgun_signature(timestamp, token),
        }

    assert_error(client.post(MAILGUN, form(age=30 * DAY)), 400, code="webhook_expired")
    fresh = form()
    assert client.post(MAILGUN, fresh).status_code == 200
    assert_error(client.post(MAILGUN, fresh), 400, code="webhook_replayed")
    assert suppressed() == ["legacy@example.com"]


def test_refusals_are_the_json_envelope_in_debug_too(client, mailgun, settings):
    settings.DEBUG = True
    forged = mailgun_bounce(key="not-the-key")
    assert_error(post_json(client, MAILGUN, forged), 400, code="invalid_signature")
    assert_error(post_json(client, MAILGUN, "[" * 1000 + "]" * 1000), 400, code="parse_error")
    assert_error(post_json(client, MAILGUN, "{not json"), 400, code="parse_error")
    assert_error(post_json(client, MAILGUN, json.dumps({"signature": "x"})), 400)
    # Signed, but without the event Mailgun always sends: anymail cannot read it.
    signed = json.loads(mailgun_bounce())
    del signed["event-data"]["event"]
    assert_error(post_json(client, MAILGUN, json.dumps(signed)), 400, code="parse_error")
    response = client.put(MAILGUN, data=mailgun_bounce(), content_type="application/json")
    assert_error(response, 405, code="method_not_allowed")
    assert response["Allow"] == "POST, HEAD, OPTIONS"
    assert suppressed() == []


def test_amazon_sns_without_basic_auth_gets_its_401_as_the_envelope(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "user:password"}
    response = post_json(client, SES, json.dumps({"Type": "Notification"}))
    assert_error(response, 401, code="not_authenticated")
    assert response["WWW-Authenticate"].startswith("Basic ")
    wrong = "Basic " + base64.b64encode(b"user:wrong").decode()
    response = post_json(client, SES, json.dumps({"Type": "x"}), HTTP_AUTHORIZATION=wrong)
    assert_error(response, 400)


def test_a_delivery_whose_events_fail_to_apply_can_be_retried(mailgun, monkeypatch):
    from apps.notifications.services import tracking

    real, calls = tracking.tracking_event_apply, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(tracking, "tracking_event_apply", flaky)
    client = Client(raise_request_exception=False)
    body = mailgun_bounce("retry@example.com")
    assert post_json(client, MAILGUN, body).status_code == 500  # Mailgun retries
    assert post_json(client, MAILGUN, body).status_code == 200
    assert suppressed() == ["retry@example.com"]
    assert_error(post_json(client, MAILGUN, body), 400, code="webhook_replayed")


def test_a_signed_event_with_nul_characters_is_applied_without_them(client, mailgun):
    """PostgreSQL cannot compare or store a NUL: the event was a 500 there, retried forever."""
    message = EmailMessageFactory(to=["nul@example.com"], provider_message_id="<id-1@mg>")
    body = mailgun_bounce(
        "nul\x00@example.com",
        message={"headers": {"message-id": "id-1\x00@mg"}},
        **{"delivery-status": {"message": "No such\x00 user", "description": "\x00"}},
    )
    assert post_json(client, MAILGUN, body).status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == "bounced" and "\x00" not in message.delivery_detail
    assert suppressed() == ["nul@example.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_delivery_at_once_are_accepted_once(mailgun):
    """With Redis as the cache (CI's PostgreSQL run), the nonce is claimed atomically (SET NX)
    in a store every process shares."""
    body = mailgun_bounce("racing@example.com")
    statuses = together(6, lambda _: post_json(Client(), MAILGUN, body).status_code)
    assert sorted(statuses) == [200] + [400] * 5
    assert suppressed() == ["racing@example.com"]


# --- Resend (svix): svix-id + svix-timestamp -----------------------------------------------------


def resend_event(resend, **kwargs):
    return resend.signed_event("email.bounced", {"id": "em_1", "to": ["svix@example.com"]},
                               bounce={"type": "Permanent", "message": "gone"}, **kwargs)  # fmt: skip


def test_a_resend_delivery_is_accepted_once_and_svix_resends_are_new_deliveries(client, resend):
    body, headers = resend_event(resend)
    assert post_json(client, RESEND, body, **headers).status_code == 200
    assert_error(post_json(client, RESEND, body, **headers), 400, code="webhook_replayed")
    # svix retries a message with the same id, a new timestamp and a new signature.
    retry_at = datetime.fromtimestamp(int(headers["HTTP_SVIX_TIMESTAMP"]) + 5, UTC)
    body2, headers2 = resend_event(resend, msg_id=headers["HTTP_SVIX_ID"], at=retry_at)
    assert post_json(client, RESEND, body2, **headers2).status_code == 200
    assert suppressed() == ["svix@example.com"]


def test_resend_deliveries_outside_the_window_are_refused(client, resend):
    for minutes in (10, -10, 60 * 24 * 30):
        body, headers = resend_event(resend, at=datetime.now(UTC) - timedelta(minutes=minutes))
        assert_error(post_json(client, RESEND, body, **headers), 400, code="webhook_expired")
    assert suppressed() == []


def test_svix_enforces_its_own_five_minute_tolerance_through_anymail(client, resend, settings):
    settings.EMAIL_WEBHOOK_TOLERANCE_SECONDS = 3600  # ours wider: svix's check is the one left
    for minutes in (6, -6):
        body, headers = resend_event(resend, at=datetime.now(UTC) - timedelta(minutes=minutes))
        assert_error(post_json(client, RESEND, body, **headers), 400, code="invalid_signature")
    body, headers = resend_event(resend, at=datetime.now(UTC) - timedelta(minutes=4))
    assert post_json(client, RESEND, body, **headers).status_code == 200


# --- SendGrid (signed event webhook): its timestamp header + the ECDSA signature -----------------


@pytest.fixture
def sendgrid(settings):
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.ANYMAIL = {"SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": base64.b64encode(public).decode()}

    def signed(recipient="grid@example.com", *, age=0):
        body = json.dumps([{"email": recipient, "event": "bounce", "type": "bounce", "reason": "550 gone",
                            "timestamp": int(time.time()), "sg_event_id": secrets.token_hex(8)}])  # fmt: skip
        timestamp = str(int(time.time() - age))
        signature = private_key.sign(timestamp.encode() + body.encode(), ec.ECDSA(hashes.SHA256()))
        return body, {
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp,
            "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
        }

    return signed


def test_a_sendgrid_signed_delivery_is_accepted_once_within_the_window(client, sendgrid):
    body, headers = sendgrid()
    assert post_json(client, SENDGRID, body, **headers).status_code == 200
    assert_error(post_json(client, SENDGRID, body, **headers), 400, code="webhook_replayed")
    old_body, old_headers = sendgrid("old@example.com", age=30 * DAY)
    assert_error(post_json(client, SENDGRID, old_body, **old_headers), 400, code="webhook_expired")
    forged = {**headers, "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(b"x" * 70).decode()}
    assert_error(post_json(client, SENDGRID, sendgrid("f@example.com")[0], **forged), 400,
                 code="invalid_signature")  # fmt: skip
    assert suppressed() == ["grid@example.com"]
