"""Rule changes rescore the open inquiries in the background, in batches; closed and deleted
inquiries keep their score. One test goes through the real Celery worker in CI's PostgreSQL
run (elsewhere Celery is eager and the effect is immediate)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import ActivityLog
from apps.leads.models import Inquiry, LeadScoringRule
from apps.leads.services import rules
from apps.leads.tasks import rescore_open_inquiries

from .factories import InquiryFactory, rule_make

RULES_URL = "/api/v1/lead-scoring-rules"


def _scores(*inquiries):
    return [Inquiry.all_objects.get(pk=i.pk).lead_score for i in inquiries]


@pytest.mark.django_db
def test_creating_changing_and_deleting_a_rule_rescores_open_inquiries(
    admin_client_api, django_capture_on_commit_callbacks
):
    ng_new = InquiryFactory(country="NG", status="new")
    ng_working = InquiryFactory(country="NG", status="in_progress")
    ng_closed = InquiryFactory(country="NG", status="closed", lead_score=7)
    ng_deleted = InquiryFactory(country="NG", deleted_at="2026-01-01T00:00:00Z")
    us_new = InquiryFactory(country="US")
    with django_capture_on_commit_callbacks(execute=True):
        created = admin_client_api.post(
            RULES_URL,
            {
                "rule_name": "Nigeria",
                "rule_type": "country",
                "condition": {"field": "country", "eq": "NG"},
                "score_value": 20,
                "is_active": True,
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert _scores(ng_new, ng_working, ng_closed, ng_deleted, us_new) == [20, 20, 7, 0, 0]
    assert Inquiry.objects.get(pk=ng_new.pk).matched_rules == [
        {"rule_id": rule_id, "rule_name": "Nigeria", "score_value": 20}
    ]

    with django_capture_on_commit_callbacks(execute=True):
        patched = admin_client_api.patch(
            f"{RULES_URL}/{rule_id}",
            {"condition": {"field": "country", "in": ["NG", "US"]}, "score_value": 35},
            format="json",
        )
    assert patched.status_code == 200, patched.content
    assert _scores(ng_new, ng_working, ng_closed, ng_deleted, us_new) == [35, 35, 7, 0, 35]

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            admin_client_api.patch(f"{RULES_URL}/{rule_id}", {"is_active": False}, format="json").status_code
            == 200
        )
    assert _scores(ng_new, us_new) == [0, 0]
    assert Inquiry.objects.get(pk=ng_new.pk).matched_rules == []

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_api.patch(f"{RULES_URL}/{rule_id}", {"is_active": True}, format="json")
        assert admin_client_api.delete(f"{RULES_URL}/{rule_id}").status_code == 204
    assert _scores(ng_new, us_new) == [0, 0]
    assert not LeadScoringRule.objects.exists()
    assert list(
        ActivityLog.objects.filter(entity_id=rule_id).order_by("created_at").values_list("action", flat=True)
    ) == ["create", "update", "update", "update", "delete"]


@pytest.mark.django_db
def test_rescoring_walks_every_batch_and_writes_only_changed_rows(settings):
    rule_make({"field": "metadata.budget", "gte": 1000}, 40, rule_type="budget")
    big = InquiryFactory.create_batch(7, metadata={"budget": 5000})
    small = InquiryFactory.create_batch(4, metadata={"budget": 10})
    InquiryFactory.create_batch(2, metadata={"budget": 5000}, status="resolved")
    result = rules.inquiries_rescore(batch_size=3)
    assert result == {"seen": 11, "changed": 7}
    assert set(_scores(*big)) == {40} and set(_scores(*small)) == {0}
    again = rules.inquiries_rescore(batch_size=3)
    assert again == {"seen": 11, "changed": 0}


@pytest.mark.django_db
def test_rescoring_reads_only_the_columns_the_rules_need():
    rule_make({"field": "country", "eq": "NG"}, 10, rule_type="country")
    InquiryFactory.create_batch(3, country="NG", message="x" * 1000)
    with CaptureQueriesContext(connection) as ctx:
        rules.inquiries_rescore()
    reads = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and '"lead_score"' in q["sql"]
    ]
    assert reads and all('"message"' not in sql for sql in reads)


@pytest.mark.django_db
def test_queued_rescorings_are_coalesced(django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(rescore_open_inquiries, "delay", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        rule = rule_make({"field": "country", "eq": "NG"}, 10)
        rules.rule_update(rule=rule, data={"score_value": 20}, actor=None)
        rules.rule_update(rule=rule, data={"score_value": 30}, actor=None)
    assert calls == [1]  # one queued run picks up all three changes
    rules.rescore_started()
    with django_capture_on_commit_callbacks(execute=True):
        rules.rule_update(rule=rule, data={"score_value": 40}, actor=None)
    assert calls == [1, 1]


@pytest.mark.django_db
def test_an_unchanged_patch_does_not_rescore(django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(rescore_open_inquiries, "delay", lambda: calls.append(1))
    rule = rule_make({"field": "country", "eq": "NG"}, 10)
    with django_capture_on_commit_callbacks(execute=True):
        rules.rule_update(rule=rule, data={"score_value": 10}, actor=None)
    assert calls == []


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_rule_change_is_rescored_by_the_worker(admin_client_api):
    """In CI's PostgreSQL run the rescoring task runs in the separate worker process: the test
    waits for its effect in the database."""
    inquiries = InquiryFactory.create_batch(5, metadata={"org_type": "ngo"})
    closed = InquiryFactory(metadata={"org_type": "ngo"}, status="closed")
    response = admin_client_api.post(
        RULES_URL,
        {
            "rule_name": "NGO",
            "rule_type": "org_type",
            "condition": {"field": "metadata.org_type", "eq": "NGO"},
            "score_value": 25,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert _wait_for(lambda: set(_scores(*inquiries)) == {25}), _scores(*inquiries)
    assert _scores(closed) == [0]
    assert Inquiry.objects.get(pk=inquiries[0].pk).matched_rules[0]["rule_name"] == "NGO"


@pytest.mark.django_db
def test_rules_are_admin_only(auth_client, api_client):
    rule = rule_make({"field": "country", "eq": "NG"}, 10)
    for role in ("sales", "support", "customer"):
        client = auth_client(role)
        assert client.get(RULES_URL).status_code == 403
        assert client.patch(f"{RULES_URL}/{rule.pk}", {"score_value": 1}, format="json").status_code == 403
    assert api_client.get(RULES_URL).status_code == 401
    admin = auth_client("admin")
    body = admin.get(RULES_URL, {"rule_type": "keyword"}).json()
    assert body["count"] == 1 and body["results"][0]["condition"] == {"field": "country", "eq": "NG"}
    assert admin.get(f"{RULES_URL}/{rule.pk}/").json()["score_value"] == 10
    assert admin.put(f"{RULES_URL}/{rule.pk}", {}, format="json").status_code == 405
