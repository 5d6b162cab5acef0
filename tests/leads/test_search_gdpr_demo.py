"""Inquiries in the unified search (staff only, same visibility as the list; full text with a GIN
index on PostgreSQL), personal data export and erasure, the demo data, the role table and the
country list."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from apps.leads import demo
from apps.leads.countries import COUNTRIES
from apps.leads.models import Inquiry, LeadScoringRule
from apps.leads.selectors import INQUIRY_VECTOR
from apps.leads.services import inquiries
from apps.orders.addresses import COUNTRIES as ADDRESS_COUNTRIES

from .factories import InquiryFactory

pytestmark = pytest.mark.django_db


def _group(client, q):
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()["groups"].get("inquiries")


def test_staff_find_inquiries_the_public_does_not(api_client, auth_client):
    found = InquiryFactory(full_name="Ngozi Adeyemi", company="Lagos Irrigation Board", message="pumps")
    InquiryFactory(full_name="Someone Else", company="Other", message="tractors")
    group = _group(auth_client("support"), "irrigation")
    assert group["total"] == 1
    hit = group["results"][0]
    assert (hit["type"], hit["title"], hit["url"]) == (
        "inquiry",
        "Ngozi Adeyemi",
        f"/api/v1/inquiries/{found.pk}",
    )
    assert _group(api_client, "irrigation") is None
    assert _group(auth_client("customer"), "irrigation") is None
    assert _group(auth_client("finance"), "irrigation") is None


def test_a_sales_user_finds_only_their_inquiries(auth_client):
    rep = auth_client("sales")
    mine = inquiries.inquiry_assign(
        inquiry=InquiryFactory(company="Tender Farms One"), assignee=rep.user, actor=None
    )
    InquiryFactory(company="Tender Farms Two")
    group = _group(rep, "tender")
    assert group["total"] == 1 and group["results"][0]["id"] == str(mine.pk)


def test_search_by_email_and_deleted_inquiries_are_not_found(auth_client):
    InquiryFactory(email="jane@okafor-farms.example")
    InquiryFactory(email="gone@okafor-farms.example", deleted_at="2026-01-01T00:00:00Z")
    admin = auth_client("admin")
    assert _group(admin, "jane@okafor-farms.example")["total"] == 1
    assert _group(admin, "okafor")["total"] == 1


@pytest.mark.postgres
def test_prefix_matching_and_ranking(auth_client):
    InquiryFactory(full_name="Irrigation Person", message="hello")
    InquiryFactory(full_name="Other Person", message="about irrigation pumps")
    results = _group(auth_client("admin"), "irrig")["results"]
    assert [r["title"] for r in results] == ["Irrigation Person", "Other Person"]


@pytest.mark.postgres
def test_the_query_plan_uses_the_gin_index():
    InquiryFactory(full_name="Archer")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM leads_inquiry WHERE ({INQUIRY_VECTOR}) @@ to_tsquery('simple', 'arch:*')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "leads_inquiry_search_gin" in plan, plan


def test_the_index_expression_and_the_query_expression_are_the_same():
    migration = importlib.import_module("apps.leads.migrations.0002_inquiry_search_index")
    assert migration.INQUIRY_VECTOR == INQUIRY_VECTOR


def test_personal_data_is_exported_and_erased(auth_client, make_user):
    person = make_user("customer", email="amaka@example.com")
    sent = InquiryFactory(
        email="amaka@example.com",
        full_name="Amaka",
        phone="+234 803 555 0142",
        message="My farm in Ogun",
        ip_address="203.0.113.9",
        status="in_progress",
        lead_score=40,
    )
    converted = InquiryFactory(email="old-address@example.com", converted_customer=person)
    other = InquiryFactory(email="someone@example.com")
    client = auth_client(user=person)
    export = client.get("/api/v1/auth/me/export").json()["inquiries"]
    assert {row["id"] for row in export} == {str(sent.pk), str(converted.pk)}
    assert export[0]["message"] in ("My farm in Ogun", converted.message)
    assert client.delete("/api/v1/auth/me").status_code == 204
    sent.refresh_from_db()
    assert (sent.full_name, sent.phone, sent.message, sent.ip_address) == ("", "", "", None)
    assert sent.email.endswith("@erased.invalid") and "amaka" not in sent.email
    assert (sent.status, sent.lead_score) == ("in_progress", 40)  # figures kept
    converted.refresh_from_db()
    assert converted.email.endswith("@erased.invalid")
    other.refresh_from_db()
    assert other.email == "someone@example.com"


def test_demo_data_is_varied_and_seeded_once():
    from apps.accounts import demo as accounts_demo

    accounts_demo.seed()
    demo.seed()
    counts = (LeadScoringRule.objects.count(), Inquiry.objects.count())
    demo.seed()
    assert (LeadScoringRule.objects.count(), Inquiry.objects.count()) == counts == (8, 30)
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert statuses == {"new", "in_progress", "resolved", "closed"}
    scores = list(Inquiry.objects.values_list("lead_score", flat=True))
    assert min(scores) == 0 and max(scores) >= 70 and len(set(scores)) >= 8
    assert Inquiry.objects.filter(assigned_to__email="sales@foundry.local").count() >= 8
    assert LeadScoringRule.objects.filter(score_value__lt=0).exists()
    assert {r.rule_type for r in LeadScoringRule.objects.all()} == {
        "country",
        "org_type",
        "budget",
        "product",
        "keyword",
    }


def test_roles_sales_without_model_wide_view_support_with_it():
    sales = set(
        Group.objects.get(name="sales")
        .permissions.filter(content_type__app_label="leads")
        .values_list("codename", flat=True)
    )
    assert sales == {"add_inquiry", "change_inquiry"}
    support = set(
        Group.objects.get(name="support")
        .permissions.filter(content_type__app_label="leads")
        .values_list("codename", flat=True)
    )
    assert {"view_inquiry", "change_inquiry"} <= support and "delete_inquiry" not in support


def test_the_country_list_matches_the_address_validation():
    assert COUNTRIES == ADDRESS_COUNTRIES and len(COUNTRIES) == 249
