"""Text messages: the console channel (development) and Twilio's REST API, faked on loopback
(basic auth and form fields checked as Twilio would), queued through a task with the outbox's
claim and retry rules, and only to users who opted in."""

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError

from apps.notifications import api, channels
from apps.notifications.models import NotificationPreference, SmsMessage

pytestmark = pytest.mark.django_db

Status = SmsMessage.Status


def test_console_channel_prints_the_message(capsys, run_on_commit):
    with run_on_commit():
        message = api.sms_send(to="+234 801 234 5678", body="Your order FD-1 has shipped.")
    message.refresh_from_db()
    assert message.status == Status.SENT and message.provider == "console" and message.to == "+2348012345678"
    out = capsys.readouterr().out
    assert "sms to +2348012345678" in out and "Your order FD-1 has shipped." in out
    assert channels.send_sms("+15555550123", "direct").startswith("console-")


def test_twilio_sends_with_basic_auth_and_form_fields(twilio, run_on_commit):
    with run_on_commit():
        message = api.sms_send(to="+15555550123", body="Technician en route")
    message.refresh_from_db()
    [request] = twilio.requests_to(r"/Messages\.json$", "POST")
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    expected = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form() == {"To": "+15555550123", "From": "+15005550006", "Body": "Technician en route"}
    assert message.status == Status.SENT and message.provider == "twilio"
    assert message.provider_message_id == twilio.messages[0]["sid"]


def test_twilio_whatsapp_uses_whatsapp_addresses(twilio, make_user, run_on_commit):
    user = make_user(phone="+2348012345678")
    NotificationPreference.objects.create(user=user, whatsapp_opt_in=True)
    with run_on_commit():
        message = api.sms_send(user=user, body="Job accepted", channel="whatsapp")
    assert message is not None
    [sent] = twilio.messages
    assert (sent["To"], sent["From"]) == ("whatsapp:+2348012345678", "whatsapp:+14155238886")


def test_twilio_outage_is_retried_then_fails(twilio, fast_retries, run_on_commit):
    twilio.fail_next(503, times=None)
    with run_on_commit():
        message = api.sms_send(to="+15555550123", body="x")
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 3 and "503" in message.error_message
    assert len(twilio.requests) == 3


def test_twilio_recovers_on_a_later_attempt(twilio, fast_retries, run_on_commit):
    twilio.fail_next(500, times=1)
    with run_on_commit():
        message = api.sms_send(to="+15555550123", body="x")
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 2


def test_twilio_refusal_fails_at_once(twilio, fast_retries, settings, run_on_commit):
    settings.TWILIO_AUTH_TOKEN = "wrong"  # 401: retried (a rotated token gets fixed)...
    with run_on_commit():
        unauthorized = api.sms_send(to="+15555550123", body="x")
    unauthorized.refresh_from_db()
    assert (
        unauthorized.status == Status.FAILED
        and unauthorized.attempts == 3
        and "20003" in unauthorized.error_message
    )
    settings.TWILIO_AUTH_TOKEN = twilio.auth_token
    twilio.fail_next(400, body={"code": 21610, "message": "Attempt to send to unsubscribed recipient"})
    with run_on_commit():
        refused = api.sms_send(to="+15555550123", body="x")  # ...a 400 is not
    refused.refresh_from_db()
    assert refused.status == Status.FAILED and refused.attempts == 1 and "21610" in refused.error_message


def test_twilio_unreachable_is_a_transient_error(settings):
    channel = channels.TwilioChannel(
        account_sid="AC1", auth_token="t", sms_from="+15005550006", api_base="http://127.0.0.1:9", timeout=1
    )
    with pytest.raises(channels.SmsError) as error:
        channel.send(to="+15555550123", body="x")
    assert error.value.permanent is False


def test_users_get_texts_only_when_opted_in_with_a_phone(make_user, twilio, run_on_commit):
    opted_out = make_user(phone="+15555550101")
    no_phone = make_user(phone="")
    NotificationPreference.objects.create(user=no_phone, sms_opt_in=True)
    opted_in = make_user(phone="+15555550102")
    NotificationPreference.objects.create(user=opted_in, sms_opt_in=True)
    with run_on_commit():
        assert api.sms_send(user=opted_out, body="x") is None
        assert api.sms_send(user=no_phone, body="x") is None
        assert api.sms_send(user=opted_in, body="x", channel="whatsapp") is None  # not for that channel
        assert api.sms_send(user=opted_in, body="Shipped") is not None
    assert [m["To"] for m in twilio.messages] == ["+15555550102"]


def test_invalid_input_is_refused():
    for kwargs, attr in [
        ({"to": "0801234", "body": "x"}, "to"),
        ({"to": "+15555550123", "body": " "}, "body"),
        ({"to": "+15555550123", "body": "x", "channel": "pigeon"}, "channel"),
    ]:
        with pytest.raises(ValidationError) as error:
            api.sms_send(**kwargs)
        assert attr in error.value.message_dict
    assert not SmsMessage.objects.exists()


def test_twilio_settings_are_required_when_chosen(settings):
    code = "import django.conf as c; c.settings.SMS_PROVIDER"
    env = {
        "SMS_PROVIDER": "twilio",
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PATH": os.environ.get("PATH", ""),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode != 0 and "TWILIO_ACCOUNT_SID" in result.stderr
