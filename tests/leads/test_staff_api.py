"""The staff side: row-level visibility (filtered in SQL), constant query count, filters and
ordering, PATCH through the state machine with reassignment moving object permissions, soft
delete, and the activity log of every write."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import ActivityLog
from apps.leads.models import Inquiry
from apps.leads.services import inquiries
from tests.helpers import assert_error

from .factories import InquiryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/inquiries"


def assigned(user, **kwargs):
    inquiry = InquiryFactory(**kwargs)
    return inquiries.inquiry_assign(inquiry=inquiry, assignee=user, actor=None)


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_sales_user_sees_only_the_inquiries_assigned_to_them(auth_client, make_user, sales_manager):
    alice_client, bob = auth_client("sales"), make_user("sales")
    alice = alice_client.user
    mine = assigned(alice)
    theirs = assigned(bob)
    unassigned = InquiryFactory()
    assert ids(alice_client.get(URL)) == {str(mine.pk)}
    assert alice_client.get(f"{URL}/{mine.pk}").status_code == 200
    assert_error(alice_client.get(f"{URL}/{theirs.pk}"), 404)
    assert_error(alice_client.patch(f"{URL}/{unassigned.pk}", {"notes": "x"}, format="json"), 404)
    everyone = {str(mine.pk), str(theirs.pk), str(unassigned.pk)}
    assert ids(auth_client("sales", user=sales_manager).get(URL)) == everyone
    assert ids(auth_client("support").get(URL)) == everyone
    assert ids(auth_client("admin").get(URL)) == everyone


def test_who_may_list(api_client, auth_client):
    assert_error(api_client.get(URL), 401)
    assert_error(auth_client("customer").get(URL), 403)
    assert_error(auth_client("finance").get(URL), 403)
    assert_error(auth_client("content").get(URL), 403)


def test_reassignment_moves_visibility(auth_client, make_user):
    alice_client, bob_client = auth_client("sales"), auth_client("sales")
    inquiry = assigned(alice_client.user)
    admin = auth_client("admin")
    response = admin.patch(f"{URL}/{inquiry.pk}", {"assigned_to": str(bob_client.user.pk)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"]["email"] == bob_client.user.email
    assert ids(alice_client.get(URL)) == set()
    assert ids(bob_client.get(URL)) == {str(inquiry.pk)}
    log = ActivityLog.objects.filter(entity_id=str(inquiry.pk), action="update").latest("created_at")
    assert log.after["assigned_to"] == str(bob_client.user.pk)
    assert log.actor == admin.user


def test_only_sales_users_can_be_assigned(auth_client, make_user):
    inquiry = InquiryFactory()
    admin = auth_client("admin")
    response = admin.patch(
        f"{URL}/{inquiry.pk}", {"assigned_to": str(make_user("finance").pk)}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="assigned_to")
    response = admin.patch(
        f"{URL}/{inquiry.pk}", {"assigned_to": "7f0b3f0c-0000-4000-8000-000000000000"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="assigned_to")


def test_status_moves_through_the_state_machine(auth_client):
    client = auth_client("sales")
    inquiry = assigned(client.user)
    assert_error(
        client.patch(f"{URL}/{inquiry.pk}", {"status": "resolved"}, format="json"),
        409,
        code="invalid_transition",
        attr="status",
    )
    for status in ("in_progress", "resolved", "closed"):
        response = client.patch(
            f"{URL}/{inquiry.pk}", {"status": status, "notes": f"now {status}"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status and response.json()["notes"] == f"now {status}"
    assert response.json()["allowed_statuses"] == []
    assert_error(
        client.patch(f"{URL}/{inquiry.pk}", {"status": "new"}, format="json"), 409, code="invalid_transition"
    )
    actions = ActivityLog.objects.filter(entity_id=str(inquiry.pk), actor=client.user)
    assert [log.after["status"] for log in actions.order_by("created_at")] == [
        "in_progress",
        "resolved",
        "closed",
    ]


def test_delete_is_soft_and_hides_the_inquiry_everywhere(auth_client):
    admin = auth_client("admin")
    inquiry = InquiryFactory()
    kept = InquiryFactory()
    assert admin.delete(f"{URL}/{inquiry.pk}").status_code == 204
    assert Inquiry.all_objects.get(pk=inquiry.pk).deleted_at is not None
    assert not Inquiry.objects.filter(pk=inquiry.pk).exists()
    assert ids(admin.get(URL)) == {str(kept.pk)}
    assert_error(admin.get(f"{URL}/{inquiry.pk}"), 404)
    assert_error(admin.delete(f"{URL}/{inquiry.pk}"), 404)
    assert ActivityLog.objects.filter(entity_id=str(inquiry.pk), action="delete").count() == 1


def test_sales_and_support_may_not_delete(auth_client):
    client = auth_client("sales")
    inquiry = assigned(client.user)
    assert_error(client.delete(f"{URL}/{inquiry.pk}"), 403)
    assert_error(auth_client("support").delete(f"{URL}/{inquiry.pk}"), 403)
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_filters_ordering_and_search(auth_client, make_user):
    admin = auth_client("admin")
    rep = make_user("sales")
    hot = InquiryFactory(lead_score=90, country="NG", inquiry_type="sales", company="Okafor Farms")
    warm = InquiryFactory(lead_score=50, country="US", inquiry_type="partnership", status="in_progress")
    cold = InquiryFactory(lead_score=5, country="NG", inquiry_type="general")
    inquiries.inquiry_assign(inquiry=warm, assignee=rep, actor=None)
    assert ids(admin.get(URL, {"min_score": 40})) == {str(hot.pk), str(warm.pk)}
    assert ids(admin.get(URL, {"status": "in_progress"})) == {str(warm.pk)}
    assert ids(admin.get(URL, {"inquiry_type": "general"})) == {str(cold.pk)}
    assert ids(admin.get(URL, {"country": "ng"})) == {str(hot.pk), str(cold.pk)}
    assert ids(admin.get(URL, {"assigned_to": str(rep.pk)})) == {str(warm.pk)}
    assert ids(admin.get(URL, {"assigned_to": "none"})) == {str(hot.pk), str(cold.pk)}
    assert ids(admin.get(URL, {"search": "okafor"})) == {str(hot.pk)}
    assert ids(
        admin.get(URL, {"created_after": "2000-01-01T00:00:00Z", "created_before": "2999-01-01T00:00:00Z"})
    ) == {str(hot.pk), str(warm.pk), str(cold.pk)}
    ordered = admin.get(URL, {"ordering": "-lead_score"}).json()["results"]
    assert [row["lead_score"] for row in ordered] == [90, 50, 5]
    for bad in (
        {"status": "lost"},
        {"assigned_to": "someone"},
        {"min_score": "many"},
        {"created_after": "yesterday"},
        {"inquiry_type": "x"},
    ):
        assert_error(admin.get(URL, bad), 400, kind="validation_error")


def test_query_count_does_not_grow_with_page_size(auth_client):
    client = auth_client("sales")
    for _ in range(25):
        assigned(client.user)
    InquiryFactory.create_batch(5)
    client.get(URL)  # warm per-process caches (content types)
    counts = set()
    for size in (1, 20, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, 25)
        counts.add(len(ctx.captured_queries))
    assert len(counts) == 1, counts


def test_the_visibility_filter_is_sql_not_python(auth_client):
    client = auth_client("sales")
    assigned(client.user)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    page_query = [
        q["sql"] for q in ctx.captured_queries if "leads_inquiry" in q["sql"] and "LIMIT" in q["sql"]
    ]
    # The ORM's quoted column, or the PostgreSQL statement's ``i.assigned_to_id``, compared
    # with the caller's id: the database filters, not Python.
    assert page_query
    assert re.search(r'(?:"leads_inquiry"\."assigned_to_id"|\bi\.assigned_to_id) = ', page_query[0])
    assert client.user.pk.hex in page_query[0].replace("-", "")


def test_detail_shows_why_it_scored(auth_client):
    admin = auth_client("admin")
    inquiry = InquiryFactory(
        lead_score=30, matched_rules=[{"rule_id": "r1", "rule_name": "Budget", "score_value": 30}]
    )
    body = admin.get(f"{URL}/{inquiry.pk}/").json()
    assert body["matched_rules"] == [{"rule_id": "r1", "rule_name": "Budget", "score_value": 30}]
    assert body["allowed_statuses"] == ["in_progress"]


def test_the_fast_representation_equals_drfs_own(make_user):
    """InquirySerializer builds its output by hand for speed; it must be exactly what DRF's
    walk over the declared fields gives, for every shape of inquiry."""
    import json

    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from apps.leads.rest_api.v1.serializers import InquirySerializer
    from tests.rfq.factories import item, rfq_make

    sales, customer = make_user("sales"), make_user("customer")
    item("RFQ-SKU-1")
    shapes = [
        InquiryFactory(),
        InquiryFactory(
            ip_address=None,
            metadata={},
            matched_rules=[],
            country="",
            phone="",
            notes="n",
        ),
        InquiryFactory(
            metadata={"budget": 5000, "products": ["a", "b"], "nested": {"x": [1, None]}},
            matched_rules=[
                {"rule_id": "r1", "rule_name": "Budget", "score_value": 30},
                {"rule_id": "r2", "rule_name": "Nigeria", "score_value": -5},
            ],
            status=Inquiry.Status.IN_PROGRESS,
            converted_customer=customer,
            converted_at=timezone.now(),
            rfq_id=rfq_make(customer=customer).pk,
        ),
        assigned(sales, ip_address="2001:db8::1"),
    ]
    for inquiry in Inquiry.objects.select_related("assigned_to").filter(pk__in=[i.pk for i in shapes]):
        serializer = InquirySerializer()
        fast = json.loads(JSONRenderer().render(serializer.to_representation(inquiry)))
        generic = json.loads(JSONRenderer().render(serializer.generic_representation(inquiry)))
        assert fast == generic
        assert list(fast) == list(generic)  # same key order too


def test_the_staff_list_read_as_values_equals_the_model_read(auth_client, make_user):
    """Staff who see every inquiry get a page read as values (``inquiry_list_values``), not
    model instances: the same bytes as reading the models, for every shape of row, with
    filters, ordering and search."""
    from unittest import mock

    from django.utils import timezone

    from apps.leads import selectors

    customer = make_user("customer")
    assigned(make_user("sales"), ip_address="2001:db8::1", company="Acme")
    InquiryFactory(ip_address=None, metadata={}, matched_rules=[], country="", phone="")
    InquiryFactory(
        metadata={"budget": 5000, "nested": {"x": [1, None]}},
        matched_rules=[{"rule_id": "r1", "rule_name": "Budget", "score_value": 30}],
        status=Inquiry.Status.IN_PROGRESS,
        converted_customer=customer,
        converted_at=timezone.now(),
    )
    admin = auth_client("admin")
    read = []
    real = selectors.inquiry_list_item

    def spy(*, row):
        read.append(row)
        return real(row=row)

    for params in ({}, {"page_size": 2, "page": 2}, {"ordering": "lead_score"}, {"search": "acme"}):
        with mock.patch.object(selectors, "inquiry_list_item", spy):
            fast = admin.get(URL, params)
        with (
            mock.patch.object(selectors, "inquiry_list_values", lambda *, queryset: queryset),
            mock.patch.object(selectors, "inquiry_list_item", lambda *, row: row),
        ):
            classic = admin.get(URL, params)
        assert fast.status_code == classic.status_code == 200, fast.content
        assert fast.json()["results"], params
        assert fast.content == classic.content, params
    assert read and all(isinstance(row, dict) for row in read)  # values, not instances
