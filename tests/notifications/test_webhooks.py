"""ESP delivery tracking through anymail's Resend webhook view, posted exactly as Resend (svix)
sends it: a signed JSON body. The email itself really went out through anymail's Resend
backend to the Resend fake, so the event carries the provider id stored on the outbox row."""

import pytest
from django.core import mail

from apps.notifications import api
from apps.notifications.models import EmailMessage, Suppression
from apps.notifications.services.broadcasts import broadcast_create

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/webhooks/email/resend/tracking"
HARD = {
    "message": "The recipient's email provider sent a hard bounce message.",
    "subType": "General",
    "type": "Permanent",
}


def sent_email(resend, run_on_commit, to="bouncy@example.com"):
    with run_on_commit():
        message = api.email_queue(to=to, template="email_test", context={"provider": "resend"})
    message.refresh_from_db()
    [delivered] = [e for e in resend.emails if e["id"] == message.provider_message_id]
    return message, delivered


def post(client, body, headers):
    return client.post(WEBHOOK, data=body, content_type="application/json", **headers)


def test_a_hard_bounce_marks_the_row_and_suppresses_the_address(
    client, resend, run_on_commit, make_user, admin_client_api
):
    message, delivered = sent_email(resend, run_on_commit)
    assert message.status == EmailMessage.Status.SENT and message.provider_message_id
    response = post(client, *resend.signed_event("email.bounced", delivered, bounce=HARD))
    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.delivery_status == "bounced" and "hard bounce" in message.delivery_detail
    suppression = Suppression.objects.get(email="bouncy@example.com")
    assert suppression.reason == "hard_bounce" and suppression.source == "Resend"
    assert suppression.email_message == message

    # From now on the address is skipped: direct emails and broadcasts.
    make_user("customer", email="bouncy@example.com")
    make_user("customer", email="fine@example.com")
    resend.reset()
    with run_on_commit():
        again = api.email_queue(to="bouncy@example.com", template="email_test", context={})
        broadcast = broadcast_create(subject="News", body="Hello", audience="all_customers")
    again.refresh_from_db()
    broadcast.refresh_from_db()
    assert again.status == EmailMessage.Status.FAILED and "suppressed" in again.error_message
    assert [e["to"] for e in resend.emails] == [["fine@example.com"]]
    assert (broadcast.total, broadcast.skipped) == (1, 1)


def test_delivered_then_complained_moves_forward_only(client, resend, run_on_commit):
    message, delivered = sent_email(resend, run_on_commit, to="grumpy@example.com")
    assert post(client, *resend.signed_event("email.delivered", delivered)).status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == "delivered" and message.delivery_updated_at
    assert post(client, *resend.signed_event("email.complained", delivered)).status_code == 200
    assert post(client, *resend.signed_event("email.delivered", delivered)).status_code == 200  # late replay
    message.refresh_from_db()
    assert message.delivery_status == "complained"
    assert Suppression.objects.get(email="grumpy@example.com").reason == "complaint"


def test_a_soft_bounce_does_not_suppress(client, resend, run_on_commit):
    message, delivered = sent_email(resend, run_on_commit, to="full.inbox@example.com")
    soft = {"message": "The recipient's inbox is full.", "subType": "MailboxFull", "type": "Transient"}
    assert post(client, *resend.signed_event("email.bounced", delivered, bounce=soft)).status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == "" and not Suppression.objects.exists()


def test_a_wrong_signature_is_refused_and_changes_nothing(client, resend, run_on_commit):
    message, delivered = sent_email(resend, run_on_commit)
    forged = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    response = post(client, *resend.signed_event("email.bounced", delivered, bounce=HARD, secret=forged))
    assert response.status_code == 400
    body, headers = resend.signed_event("email.bounced", delivered, bounce=HARD)
    assert post(client, body.replace("bouncy", "victim"), headers).status_code == 400  # tampered body
    message.refresh_from_db()
    assert message.delivery_status == "" and not Suppression.objects.exists()


def test_the_webhook_is_closed_until_a_secret_is_configured(client, resend, settings, run_on_commit):
    _, delivered = sent_email(resend, run_on_commit)
    event = resend.signed_event("email.bounced", delivered, bounce=HARD)
    settings.ANYMAIL = {"RESEND_API_KEY": resend.api_key}  # no signing secret, no basic auth
    response = post(client, *event)
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    assert (
        client.post(
            "/api/v1/webhooks/email/postmark/tracking", data="{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/webhooks/email/nosuchesp/tracking", data="{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert not Suppression.objects.exists()
    assert mail.outbox == []


def test_an_event_for_an_unknown_message_still_suppresses_a_hard_bounce(client, resend):
    body, headers = resend.signed_event(
        "email.bounced", {"id": "not-ours", "to": ["stranger@example.com"]}, bounce=HARD
    )
    assert post(client, body, headers).status_code == 200
    assert Suppression.objects.filter(email="stranger@example.com").exists()
