"""The sales user's plain inquiry listing runs as one prepared statement on PostgreSQL
(``apps.leads.pg_queries``). It must show exactly what the portable ORM path shows: the same
inquiries (object permissions, not the assignee column; soft-deleted ones never), in the same
order, with the same output, on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import api as accounts
from apps.leads.models import Inquiry
from apps.leads.services import inquiries

from .factories import InquiryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/api/v1/inquiries"


def _visible_set(sales, other, customer):
    base = timezone.now() - timedelta(days=30)
    shapes = []
    for n in range(23):
        inquiry = InquiryFactory(
            metadata={"budget": n * 1000, "products": ["tractor"]} if n % 2 else {},
            matched_rules=[{"rule_id": f"r{n}", "rule_name": f"Rule {n}", "score_value": n}] if n % 3 else [],
            ip_address=None if n % 4 == 0 else f"10.0.0.{n}",
            status=Inquiry.Status.IN_PROGRESS if n % 5 == 0 else Inquiry.Status.NEW,
        )
        Inquiry.all_objects.filter(pk=inquiry.pk).update(created_at=base + timedelta(hours=n))
        shapes.append(inquiries.inquiry_assign(inquiry=inquiry, assignee=sales, actor=None))
    # Two rows share a creation time: the id breaks the tie in both paths.
    Inquiry.all_objects.filter(pk=shapes[1].pk).update(created_at=base + timedelta(hours=2))
    # Converted, with an RFQ id.
    Inquiry.all_objects.filter(pk=shapes[2].pk).update(
        converted_customer=customer, converted_at=timezone.now(), rfq_id=shapes[3].pk
    )
    # Soft-deleted: hidden. Reassigned to someone else: hidden.
    Inquiry.all_objects.filter(pk=shapes[4].pk).update(deleted_at=timezone.now())
    inquiries.inquiry_assign(inquiry=shapes[5], assignee=other, actor=None)
    # Granted by hand (admin's object permissions) while assigned to someone else: visible.
    granted = inquiries.inquiry_assign(inquiry=InquiryFactory(), assignee=other, actor=None)
    accounts.object_permission_grant(user=sales, perm="view", obj=granted)
    InquiryFactory.create_batch(3)  # nobody's


def test_plain_listing_equals_the_orm_path_on_every_page(auth_client, make_user):
    client = auth_client("sales")
    _visible_set(client.user, make_user("sales"), make_user("customer"))
    seen = []
    for size in (1, 7, 20, 100):
        pages = -(-22 // size)
        for page in range(1, pages + 1):
            fast = client.get(URL, {"page_size": size, "page": page})
            # Any other parameter takes the ORM path (django-filter, OrderingFilter).
            orm = client.get(URL, {"page_size": size, "page": page, "search": ""})
            assert fast.status_code == orm.status_code == 200, (fast.content, orm.content)
            fast_body, orm_body = fast.json(), orm.json()
            for link in ("next", "previous"):  # the ORM path's links carry its extra parameter
                if orm_body[link]:
                    orm_body[link] = orm_body[link].replace("&search=", "")
            assert fast_body == orm_body
            assert fast.json()["count"] == 22
            if size == 100:
                seen = [row["id"] for row in fast.json()["results"]]
    assert len(seen) == len(set(seen)) == 22
    past = client.get(URL, {"page_size": 20, "page": 3})
    assert past.status_code == 404
    assert client.get(URL, {"page_size": 20, "page": "last"}).json()["results"]


def test_a_sales_user_with_nothing_assigned_gets_an_empty_page(auth_client):
    InquiryFactory.create_batch(2)
    body = auth_client("sales").get(URL).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_statement_is_planned_once_per_connection(auth_client, make_user):
    """Its values are literals, so PostgreSQL keeps one plan for it: with bound parameters it
    planned again on every run (a custom plan), which cost as much as running it."""
    from django.db import connection

    client = auth_client("sales")
    _visible_set(client.user, make_user("sales"), make_user("customer"))
    for _ in range(4):
        assert client.get(URL, {"page_size": 20}).json()["count"] == 22
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%leads_inquiryuserobjectpermission%"],
        )
        statements = cursor.fetchall()
    assert len(statements) == 1, statements
    parameter_types, generic_plans, custom_plans = statements[0]
    assert parameter_types in ("{}", [])
    assert custom_plans == 0
    assert generic_plans == 4


def test_the_permission_rows_follow_their_inquiry(auth_client, make_user):
    """The list reads a copy of each inquiry's creation time and soft-delete mark from the
    permission rows (triggers, migration leads 0005): granted on an inquiry already deleted,
    restored, deleted through the service, moved in time; at each step the fast path shows
    what the ORM path shows."""
    client = auth_client("sales")
    sales = client.user

    def both():
        fast = client.get(URL, {"page_size": 20}).json()
        orm = client.get(URL, {"page_size": 20, "search": ""}).json()
        assert fast["results"] == orm["results"]
        if orm["results"]:
            assert fast["count"] == orm["count"]
        return [row["id"] for row in orm["results"]]

    old, new = InquiryFactory(), InquiryFactory()
    Inquiry.all_objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    Inquiry.all_objects.filter(pk=new.pk).update(deleted_at=timezone.now())
    for inquiry in (old, new):
        accounts.object_permission_grant(user=sales, perm="view", obj=inquiry)
    assert both() == [str(old.pk)]  # granted while deleted: hidden
    Inquiry.all_objects.filter(pk=new.pk).update(deleted_at=None)
    assert both() == [str(new.pk), str(old.pk)]  # restored
    Inquiry.all_objects.filter(pk=old.pk).update(created_at=timezone.now() + timedelta(days=1))
    assert both() == [str(old.pk), str(new.pk)]  # moved in time
    inquiries.inquiry_soft_delete(inquiry=Inquiry.objects.get(pk=old.pk), actor=None)
    assert both() == [str(new.pk)]
    accounts.object_permission_revoke(user=sales, perm="view", obj=new)
    assert client.get(URL, {"page_size": 20}).json()["count"] == 0
