"""The leads admin: status and assignment actions through the services (state machine, object
permissions, activity log), the same visibility as the API, soft delete, the scoring rule
preview against the last 100 inquiries, and rule edits that rescore."""

import json

import pytest
from django.urls import reverse

from apps.core.models import ActivityLog
from apps.leads import selectors
from apps.leads.models import ImportJob, Inquiry, LeadScoringRule
from apps.leads.services import inquiries

from .factories import InquiryFactory, rule_make

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:leads_inquiry_changelist"


@pytest.fixture
def admin_user(make_user):
    return make_user("admin")


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_status_actions_go_through_the_state_machine(staff, admin_user):
    fresh = InquiryFactory()
    done = InquiryFactory(status="closed")
    response = staff.post(
        reverse(CHANGELIST),
        {"action": "mark_in_progress", "_selected_action": [fresh.pk, done.pk]},
        follow=True,
    )
    assert b"Marked in progress 1 inquiry" in response.content
    assert b"Cannot go from" in response.content
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert (fresh.status, done.status) == ("in_progress", "closed")
    assert ActivityLog.objects.filter(entity_id=str(fresh.pk), action="update", actor=admin_user).exists()


def test_the_assign_action_asks_then_gives_the_inquiry_to_the_assignee(staff, make_user):
    rep = make_user("sales", email="rep@foundry.example")
    inquiry = InquiryFactory()
    url = reverse(CHANGELIST)
    form = staff.post(url, {"action": "assign", "_selected_action": [inquiry.pk]})
    assert form.status_code == 200 and b"rep@foundry.example" in form.content
    staff.post(
        url,
        {"action": "assign", "_selected_action": [inquiry.pk], "apply": "1", "assignee": rep.pk},
        follow=True,
    )
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == rep
    assert list(selectors.inquiries_visible(user=rep, queryset=Inquiry.objects.all())) == [inquiry]


def test_the_change_form_edits_status_assignment_and_notes_through_the_service(staff, make_user, admin_user):
    rep = make_user("sales")
    inquiry = InquiryFactory(
        lead_score=40, matched_rules=[{"rule_id": "x", "rule_name": "Big budget", "score_value": 40}]
    )
    url = reverse("admin:leads_inquiry_change", args=[inquiry.pk])
    page = staff.get(url)
    assert page.status_code == 200 and b"Big budget" in page.content
    bad = staff.post(url, {"status": "closed", "assigned_to": "", "notes": ""})
    assert bad.status_code == 200 and b"can go to: in_progress" in bad.content
    ok = staff.post(url, {"status": "in_progress", "assigned_to": rep.pk, "notes": "Called back"})
    assert ok.status_code == 302, ok.content
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assigned_to, inquiry.notes) == ("in_progress", rep, "Called back")
    assert selectors.inquiry_get(user=rep, pk=inquiry.pk) == inquiry
    assert (
        ActivityLog.objects.filter(entity_id=str(inquiry.pk), actor=admin_user, action="update").count() == 1
    )


def test_staff_can_record_an_inquiry_and_it_is_scored(staff, admin_user):
    rule_make({"field": "country", "eq": "KE"}, 20, rule_type="country")
    response = staff.post(
        reverse("admin:leads_inquiry_add"),
        {
            "inquiry_type": "sales",
            "assigned_to": "",
            "notes": "Phone call",
            "full_name": "Peter Njoroge",
            "email": "Peter@Njoroge.example",
            "phone": "",
            "company": "",
            "country": "KE",
            "message": "Needs a tractor",
            "metadata": "{}",
            "source": "phone",
        },
    )
    assert response.status_code == 302, response.content
    inquiry = Inquiry.objects.get()
    assert (inquiry.email, inquiry.lead_score, inquiry.source) == ("peter@njoroge.example", 20, "phone")
    assert ActivityLog.objects.filter(entity_id=str(inquiry.pk), action="create", actor=admin_user).exists()


def test_a_sales_user_sees_only_their_inquiries_in_the_admin(client, make_user):
    rep = make_user("sales")
    mine = inquiries.inquiry_assign(inquiry=InquiryFactory(full_name="Mine Person"), assignee=rep, actor=None)
    InquiryFactory(full_name="Other Person")
    client.force_login(rep)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert b"Mine Person" in page.content and b"Other Person" not in page.content
    assert client.get(reverse("admin:leads_inquiry_change", args=[mine.pk])).status_code == 200


def test_deleting_in_the_admin_is_soft(staff):
    inquiry = InquiryFactory()
    staff.post(reverse(CHANGELIST), {"action": "soft_delete", "_selected_action": [inquiry.pk]}, follow=True)
    assert Inquiry.all_objects.get(pk=inquiry.pk).deleted_at is not None
    other = InquiryFactory()
    staff.post(reverse("admin:leads_inquiry_delete", args=[other.pk]), {"post": "yes"}, follow=True)
    assert Inquiry.all_objects.filter(pk=other.pk, deleted_at__isnull=False).exists()


def test_filters_and_search_render(staff):
    InquiryFactory(full_name="Hot Lead", lead_score=85, country="NG")
    InquiryFactory(full_name="Cold Lead", lead_score=5, country="US")
    hot = staff.get(reverse(CHANGELIST), {"score": "hot"})
    assert b"Hot Lead" in hot.content and b"Cold Lead" not in hot.content
    assert b"Cold Lead" in staff.get(reverse(CHANGELIST), {"q": "cold"}).content
    for params in (
        {"status": "new"},
        {"inquiry_type": "sales"},
        {"country": "NG"},
        {"assigned": "no"},
        {"assigned": "me"},
    ):
        assert staff.get(reverse(CHANGELIST), params).status_code == 200


def test_rule_preview_shows_matches_and_score_deltas_on_the_last_100(staff):
    rule_make({"field": "country", "eq": "NG"}, 10, rule_type="country", name="Base")
    rule = rule_make({"field": "metadata.budget", "gte": 1000}, 30, rule_type="budget", name="Budget")
    InquiryFactory(full_name="Rich Buyer", country="NG", metadata={"budget": 5000})
    InquiryFactory(full_name="Small Buyer", country="US", metadata={"budget": 10})
    url = reverse("admin:leads_leadscoringrule_preview", args=[rule.pk])
    page = staff.get(url)
    assert page.status_code == 200
    result = page.context["result"]
    assert (result["matched"], result["total"]) == (1, 2)
    rich = next(r for r in result["rows"] if r["inquiry"].full_name == "Rich Buyer")
    assert (rich["matches"], rich["score_without"], rich["score_with"], rich["delta"]) == (True, 10, 40, 30)
    tried = staff.post(
        url, {"condition": json.dumps({"field": "country", "in": ["US"]}), "score_value": "-5"}
    )
    small = next(r for r in tried.context["result"]["rows"] if r["inquiry"].full_name == "Small Buyer")
    assert small["matches"] and small["delta"] == 0  # clamped at 0
    rule.refresh_from_db()
    assert rule.condition == {"field": "metadata.budget", "gte": 1000}  # nothing saved
    invalid = staff.post(url, {"condition": json.dumps({"field": "country", "gte": "x"}), "score_value": "5"})
    assert invalid.context["result"] is None and b"condition.gte" in invalid.content
    action = staff.post(
        reverse("admin:leads_leadscoringrule_changelist"),
        {"action": "preview", "_selected_action": [rule.pk]},
    )
    assert action.status_code == 302 and action["Location"].endswith(f"{rule.pk}/preview/")


def test_rule_edits_in_the_admin_are_validated_logged_and_rescore(
    staff, admin_user, django_capture_on_commit_callbacks
):
    inquiry = InquiryFactory(country="GH")
    add = reverse("admin:leads_leadscoringrule_add")
    bad = staff.post(
        add,
        {
            "rule_name": "Bad",
            "rule_type": "country",
            "condition": '{"field": "nope", "eq": 1}',
            "score_value": "5",
            "is_active": "on",
            "position": "0",
        },
    )
    assert bad.status_code == 200 and b"Unknown field" in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        ok = staff.post(
            add,
            {
                "rule_name": "Ghana",
                "rule_type": "country",
                "condition": '{"field": "country", "eq": "GH"}',
                "score_value": "15",
                "is_active": "on",
                "position": "0",
            },
        )
    assert ok.status_code == 302, ok.content
    inquiry.refresh_from_db()
    assert inquiry.lead_score == 15
    rule = LeadScoringRule.objects.get()
    assert ActivityLog.objects.filter(entity_id=str(rule.pk), action="create", actor=admin_user).exists()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:leads_leadscoringrule_delete", args=[rule.pk]), {"post": "yes"})
    inquiry.refresh_from_db()
    assert inquiry.lead_score == 0 and not LeadScoringRule.objects.exists()
    assert ActivityLog.objects.filter(entity_id=str(rule.pk), action="delete", actor=admin_user).exists()


def test_import_jobs_are_listed_read_only(staff, admin_user):
    job = ImportJob.objects.create(
        status="done",
        created_by=admin_user,
        file_name="list.csv",
        total_rows=2,
        report={"rejected": [{"line": 3, "email": "x", "errors": [{"field": "email", "detail": "bad"}]}]},
    )
    assert b"list.csv" in staff.get(reverse("admin:leads_importjob_changelist")).content
    page = staff.get(reverse("admin:leads_importjob_change", args=[job.pk]))
    assert page.status_code == 200 and b"Line 3" in page.content
    assert staff.get(reverse("admin:leads_importjob_add")).status_code == 403


def test_a_sales_user_recording_an_inquiry_keeps_it(client, make_user):
    rep = make_user("sales")
    client.force_login(rep)
    response = client.post(
        reverse("admin:leads_inquiry_add"),
        {
            "inquiry_type": "general",
            "assigned_to": "",
            "notes": "",
            "full_name": "Walk In",
            "email": "walk@in.example",
            "phone": "",
            "company": "",
            "country": "",
            "message": "",
            "metadata": "{}",
            "source": "",
        },
    )
    assert response.status_code == 302, response.content
    inquiry = Inquiry.objects.get()
    assert inquiry.assigned_to == rep and inquiry.source == "staff"
    assert list(selectors.inquiries_visible(user=rep, queryset=Inquiry.objects.all())) == [inquiry]
