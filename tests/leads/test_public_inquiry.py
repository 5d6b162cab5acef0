"""The public inquiry form: scored server-side, stored with IP and user agent, confirmation and
sales alert in the outbox, throttled per IP (429 + Retry-After), a honeypot that stores nothing,
and the optional round-robin assignment."""

import pytest

from apps.leads import selectors
from apps.leads.models import Inquiry
from apps.notifications.models import EmailMessage
from tests.helpers import assert_error

from .factories import emails_of, rule_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/inquiries"


def payload(**overrides):
    data = {
        "inquiry_type": "sales",
        "full_name": "Ngozi Adeyemi",
        "email": "Ngozi@Example.com",
        "phone": "+234 803 555 0142",
        "company": "Adeyemi Farms",
        "country": "ng",
        "message": "Urgent: tender for 12 tractors.",
        "metadata": {"budget": 650000, "org_type": "government"},
    }
    data.update(overrides)
    return data


def submit(client, django_capture_on_commit_callbacks=None, **overrides):
    return client.post(
        URL,
        payload(**overrides),
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )


def test_an_inquiry_is_scored_stored_and_both_emails_are_queued(
    api_client, make_user, django_capture_on_commit_callbacks
):
    rule_make({"field": "metadata.budget", "gte": 500000}, 30, rule_type="budget", name="Big budget")
    rule_make({"field": "message", "contains_any": ["tender"]}, 15, name="Tender")
    rule_make({"field": "country", "eq": "US"}, 40, rule_type="country", name="US")
    make_user("sales", email="rep1@foundry.example")
    make_user("sales", email="rep2@foundry.example")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(api_client, lead_score=99, matched_rules=[{"rule_name": "forged"}], status="closed")
    assert response.status_code == 201, response.content
    # The request only stored the two rows; the worker renders and sends them (one task).
    queued = EmailMessage.objects.order_by("template")
    assert [(m.template, m.status, m.body_text) for m in queued] == [
        ("inquiry_alert", "pending", ""),
        ("inquiry_confirmation", "pending", ""),
    ]
    assert len(callbacks) == 1
    callbacks[0]()
    body = response.json()
    assert body["status"] == "new" and body["lead_score"] == 45
    assert "matched_rules" not in body and "ip_address" not in body and "notes" not in body
    inquiry = Inquiry.objects.get(pk=body["id"])
    assert inquiry.email == "ngozi@example.com" and inquiry.country == "NG"
    assert inquiry.ip_address == "203.0.113.7" and inquiry.user_agent == "Mozilla/5.0 (test)"
    assert [m["rule_name"] for m in inquiry.matched_rules] == ["Big budget", "Tender"]
    assert inquiry.source == "website" and inquiry.assigned_to is None
    [confirmation] = emails_of("inquiry_confirmation")
    assert confirmation.to == ["ngozi@example.com"] and confirmation.status == "sent"
    assert "Ngozi Adeyemi" in confirmation.body_text
    [alert] = emails_of("inquiry_alert")
    assert sorted(alert.to) == ["rep1@foundry.example", "rep2@foundry.example"]
    assert "45" in alert.subject and "Big budget (+30)" in alert.body_text
    assert f"/admin/leads/inquiry/{inquiry.pk}/change/" in alert.body_text


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"inquiry_type": "gossip"}, "inquiry_type"),
        ({"message": ""}, "message"),
        ({"phone": "call me"}, "phone"),
        ({"metadata": ["budget"]}, "metadata"),
        ({"metadata": {"a": {"b": {"c": {"d": 1}}}}}, "metadata"),
        ({"metadata": {"notes": "x" * 5000}}, "metadata"),
    ],
)
def test_invalid_input_is_a_400_and_nothing_is_stored(api_client, overrides, attr):
    assert_error(submit(api_client, **overrides), 400, kind="validation_error", attr=attr)
    assert not Inquiry.all_objects.exists() and not EmailMessage.objects.exists()


def test_the_honeypot_answers_201_and_stores_and_sends_nothing(api_client):
    response = submit(api_client, website="http://spam.example")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "new" and body["id"] and body["email"] == "ngozi@example.com"
    assert "website" not in body
    assert not Inquiry.all_objects.exists()
    assert not EmailMessage.objects.exists()


def test_the_form_is_throttled_per_ip_with_retry_after(api_client, settings):
    settings.LEADS_INQUIRY_THROTTLE_MINUTE = "3/min"
    for n in range(3):
        assert submit(api_client, email=f"a{n}@example.com").status_code == 201
    blocked = submit(api_client, email="a9@example.com")
    assert_error(blocked, 429, code="throttled")
    assert int(blocked["Retry-After"]) > 0
    other_ip = api_client.post(URL, payload(), format="json", REMOTE_ADDR="198.51.100.1")
    assert other_ip.status_code == 201
    assert Inquiry.objects.count() == 4


def test_the_daily_limit_applies_too_and_honeypot_hits_count(api_client, settings):
    settings.LEADS_INQUIRY_THROTTLE_MINUTE = ""
    settings.LEADS_INQUIRY_THROTTLE_DAY = "2/day"
    assert submit(api_client, website="spam").status_code == 201
    assert submit(api_client).status_code == 201
    blocked = submit(api_client)
    assert_error(blocked, 429, code="throttled")
    assert int(blocked["Retry-After"]) > 3600


def test_the_throttle_can_be_turned_off(api_client, settings):
    settings.LEADS_INQUIRY_THROTTLE_MINUTE = ""
    settings.LEADS_INQUIRY_THROTTLE_DAY = ""
    for n in range(8):
        assert submit(api_client, email=f"b{n}@example.com").status_code == 201


def test_round_robin_assignment_takes_turns_and_the_assignee_sees_it(api_client, make_user, settings):
    settings.LEADS_AUTO_ASSIGN = True
    reps = sorted([make_user("sales"), make_user("sales"), make_user("sales")], key=lambda u: u.pk)
    make_user("sales", is_active=False)
    make_user("support")
    assigned = []
    for n in range(4):
        body = api_client.post(
            URL, payload(email=f"c{n}@example.com"), format="json", REMOTE_ADDR=f"192.0.2.{n}"
        ).json()
        assigned.append(Inquiry.objects.get(pk=body["id"]).assigned_to)
    assert assigned == [reps[0], reps[1], reps[2], reps[0]]
    first = Inquiry.objects.get(email="c0@example.com")
    assert selectors.inquiry_get(user=reps[0], pk=first.pk) == first
    assert selectors.can_change(user=reps[0], inquiry=first)
    assert selectors.inquiry_get(user=reps[1], pk=first.pk) is None
    alerts = emails_of("inquiry_alert")
    assert [a.to for a in alerts] == [[r.email] for r in (reps[0], reps[1], reps[2], reps[0])]


def test_without_sales_users_the_inquiry_is_still_taken(api_client, settings):
    settings.LEADS_AUTO_ASSIGN = True
    response = submit(api_client)
    assert response.status_code == 201
    assert Inquiry.objects.get().assigned_to is None
    assert len(emails_of("inquiry_confirmation")) == 1 and emails_of("inquiry_alert") == []


def test_both_trailing_slash_forms_work(api_client):
    assert api_client.post(f"{URL}/", payload(), format="json").status_code == 201


def test_a_staff_member_sending_the_form_is_recorded_and_not_throttled(auth_client, settings):
    from apps.core.models import ActivityLog

    settings.LEADS_INQUIRY_THROTTLE_MINUTE = "1/min"
    staff = auth_client("sales")
    for n in range(3):
        assert staff.post(URL, payload(email=f"s{n}@example.com"), format="json").status_code == 201
    assert (
        ActivityLog.objects.filter(action="create", entity_type="leads.inquiry", actor=staff.user).count()
        == 3
    )


def test_the_emails_render_with_site_settings_and_do_not_escape_text(
    api_client, make_user, django_capture_on_commit_callbacks
):
    from apps.core.services import site_settings_update

    site_settings_update(
        actor=None, data={"company_name": "Okafor Agro", "support_email": "help@okafor.example"}
    )
    make_user("sales")
    with django_capture_on_commit_callbacks(execute=True):  # sent (and rendered) by the worker
        assert submit(api_client, company="Smith & Sons", message="Pumps <urgent> & fast").status_code == 201
    [confirmation] = emails_of("inquiry_confirmation")
    assert "Okafor Agro" in confirmation.body_text and "help@okafor.example" in confirmation.body_text
    assert "Pumps <urgent> & fast" in confirmation.body_text
    assert "Pumps &lt;urgent&gt; &amp; fast" in confirmation.body_html
    [alert] = emails_of("inquiry_alert")
    assert "Smith & Sons" in alert.body_text and "Smith &amp; Sons" in alert.body_html
    assert "Budget: 650000" in alert.body_text
