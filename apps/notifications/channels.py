"""Text channels (SMS and WhatsApp): one small interface, ``send(to, body, channel)``, with a
console implementation (development: prints the message) and Twilio's REST API (production),
chosen by ``SMS_PROVIDER``. Errors say whether another attempt may help."""

from __future__ import annotations

import logging
import re
import sys
import threading
import uuid
from typing import Protocol

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsError(Exception):
    """The provider did not take the message. ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def normalize_phone(value: str) -> str | None:
    """``+234 801-234 5678`` → ``+2348012345678``; None when it is not an E.164 number."""
    phone = re.sub(r"[\s\-().]", "", value or "")
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone if E164.match(phone) else None


class SmsChannel(Protocol):
    name: str

    def send(self, *, to: str, body: str, channel: str = "sms") -> str:
        """Send one message; returns the provider's message id, raises SmsError."""


def send_sms(to: str, body: str, *, channel: str = "sms") -> str:
    """Send one message through the configured channel, now (tasks call this)."""
    return get_channel().send(to=to, body=body, channel=channel)


class ConsoleChannel:
    """Writes each message to standard output (like Django's console email backend)."""

    name = "console"
    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str, channel: str = "sms") -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        with self._lock:
            self.stream.write(f"--- {channel} to {to} ({message_id})\n{body}\n---\n")
            self.stream.flush()
        return message_id


class TwilioChannel:
    """Twilio Programmable Messaging: ``POST /2010-04-01/Accounts/{sid}/Messages.json``, HTTP
    basic auth (account SID, auth token), form fields To/From/Body; WhatsApp uses the same
    call with ``whatsapp:`` addresses."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sms_from: str,
        whatsapp_from: str = "",
        api_base: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    def send(self, *, to: str, body: str, channel: str = "sms") -> str:
        if channel == "whatsapp":
            if not self.whatsapp_from:
                raise SmsError("TWILIO_WHATSAPP_FROM is not set.", permanent=True)
            sender, recipient = f"whatsapp:{self.whatsapp_from}", f"whatsapp:{to}"
        else:
            sender, recipient = self.sms_from, to
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": recipient, "From": sender, "Body": body},
                auth=(self.account_sid, self.auth_token),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsError(f"Twilio unreachable: {type(exc).__name__}: {exc}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code >= 400:
            detail = payload.get("message") or response.text[:200]
            code = payload.get("code")
            permanent = 400 <= response.status_code < 500 and response.status_code not in (401, 403, 429)
            raise SmsError(f"Twilio {response.status_code} (code {code}): {detail}", permanent=permanent)
        sid = payload.get("sid")
        if not sid:
            raise SmsError(f"Twilio answered {response.status_code} without a message sid.")
        return sid


def get_channel() -> SmsChannel:
    provider = settings.SMS_PROVIDER
    if provider == "twilio":
        return TwilioChannel(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            sms_from=settings.TWILIO_FROM,
            whatsapp_from=settings.TWILIO_WHATSAPP_FROM,
            api_base=settings.TWILIO_API_BASE,
            timeout=settings.SMS_TIMEOUT_SECONDS,
        )
    return ConsoleChannel()
