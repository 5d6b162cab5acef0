"""Local fakes of the two providers the notifications app talks to over HTTP, on loopback
(tests.fakes._http.FakeServer: threaded, recorded requests, injected failures).

- ``ResendFake``: ``POST /emails`` (``Authorization: Bearer <key>``) → ``{"id": <uuid>}``, as
  Resend answers; the messages are kept in ``.emails``. Pointed at by anymail's Resend backend
  through ``ANYMAIL["RESEND_API_URL"]``. ``signed_event(...)`` builds a tracking webhook exactly
  as Resend (svix) posts it: JSON body plus svix-id / svix-timestamp / svix-signature headers.
- ``TwilioFake``: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP basic auth and
  form fields To/From/Body → 201 with a message ``sid``; a wrong login → 401 (code 20003).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from svix.webhooks import Webhook

from tests.fakes._http import FakeServer, Request, Response


class ResendFake(FakeServer):
    name = "resend-fake"
    api_key = "re_test_notifications"
    ROUTES = (("POST", r"/emails", "_api_send"),)  # what anymail's Resend backend calls

    def __init__(self, **kwargs):
        self.signing_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.emails: list[dict] = []

    def _failure_response(self, failure) -> Response:
        body = failure.body or {
            "statusCode": failure.status,
            "name": "application_error",
            "message": "Something went wrong.",
        }
        return Response.json(failure.status or 500, body, failure.headers)

    def handle(self, request: Request) -> Response:
        if request.header("authorization") != f"Bearer {self.api_key}":
            return Response.json(
                401, {"statusCode": 401, "name": "validation_error", "message": "API key is invalid"}
            )
        found = self.route(request.method, request.path)
        if found is None:
            return Response.json(404, {"statusCode": 404, "name": "not_found", "message": "Not found"})
        handler, params = found
        return handler(request, **params)

    def _api_send(self, request: Request) -> Response:
        payload = json.loads(request.body)
        email_id = str(uuid.uuid4())
        with self.lock:
            self.emails.append({**payload, "id": email_id})
        return Response.json(200, {"id": email_id})

    def signed_event(
        self,
        event_type: str,
        email: dict,
        *,
        bounce: dict | None = None,
        secret: str | None = None,
        at: datetime | None = None,
        msg_id: str | None = None,
    ) -> tuple[str, dict]:
        """(body, headers for the Django test client) of one Resend webhook event, signed (svix)
        at ``at`` (default: now) as message ``msg_id`` (default: a new one)."""
        data = {
            "created_at": datetime.now(UTC).isoformat(),
            "email_id": email["id"],
            "from": email.get("from", ""),
            "to": email["to"] if isinstance(email["to"], list) else [email["to"]],
            "subject": email.get("subject", ""),
        }
        if bounce is not None:
            data["bounce"] = bounce
        body = json.dumps({"type": event_type, "created_at": datetime.now(UTC).isoformat(), "data": data})
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        now = at or datetime.now(UTC)
        signature = Webhook(secret or self.signing_secret).sign(msg_id, now, body)
        headers = {
            "HTTP_SVIX_ID": msg_id,
            "HTTP_SVIX_TIMESTAMP": str(int(now.timestamp())),
            "HTTP_SVIX_SIGNATURE": signature,
        }
        return body, headers


class TwilioFake(FakeServer):
    name = "twilio-fake"
    account_sid = "AC" + "0" * 30 + "42"
    auth_token = "twilio-test-token"
    # What apps/notifications/channels.py calls.
    ROUTES = (("POST", r"/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json", "_api_send"),)

    def _reset_state(self):
        self.messages: list[dict] = []

    def _failure_response(self, failure) -> Response:
        body = failure.body or {
            "code": 20500,
            "message": "An internal server error has occurred",
            "status": failure.status,
        }
        return Response.json(failure.status or 500, body, failure.headers)

    def handle(self, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.header("authorization") != expected:
            return Response.json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        found = self.route(request.method, request.path)
        if found is None or found[1]["sid"] != self.account_sid:
            return Response.json(
                404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
            )
        return found[0](request)

    def _api_send(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        if not form.get("To", "").removeprefix("whatsapp:").startswith("+"):
            return Response.json(
                400,
                {
                    "code": 21211,
                    "message": f"The 'To' number {form.get('To')} is not a valid phone number.",
                    "status": 400,
                },
            )
        sid = "SM" + uuid.uuid4().hex
        with self.lock:
            self.messages.append({**form, "sid": sid})
        return Response.json(
            201,
            {
                "sid": sid,
                "status": "queued",
                "to": form["To"],
                "from": form.get("From"),
                "body": form.get("Body"),
                "account_sid": self.account_sid,
            },
        )
