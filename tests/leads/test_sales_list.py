"""A sales user's inquiry list (a user without the model-wide ``leads.view_inquiry``): exactly
the inquiries assigned to them and not soft-deleted, newest first (the id breaks ties), with
the right count on every page; visibility follows ``assigned_to`` at once. The plain listing
(no filter, search or ordering: ``selectors.assigned_inquiry_page``) answers as the filtered
path does. On PostgreSQL the page and its count read the partial index on the assignee."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.leads import selectors
from apps.leads.models import Inquiry
from apps.leads.services import inquiries

from .factories import InquiryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/inquiries"


def _visible_set(sales, other, customer) -> list[Inquiry]:
    """22 inquiries assigned to ``sales`` and visible to them, newest first; others beside."""
    base = timezone.now() - timedelta(days=30)
    shapes = []
    for n in range(24):
        inquiry = InquiryFactory(
            metadata={"budget": n * 1000, "products": ["tractor"]} if n % 2 else {},
            matched_rules=[{"rule_id": f"r{n}", "rule_name": f"Rule {n}", "score_value": n}] if n % 3 else [],
            ip_address=None if n % 4 == 0 else f"10.0.0.{n}",
            status=Inquiry.Status.IN_PROGRESS if n % 5 == 0 else Inquiry.Status.NEW,
        )
        Inquiry.all_objects.filter(pk=inquiry.pk).update(created_at=base + timedelta(hours=n))
        shapes.append(inquiries.inquiry_assign(inquiry=inquiry, assignee=sales, actor=None))
    # Two rows share a creation time: the id breaks the tie.
    Inquiry.all_objects.filter(pk=shapes[1].pk).update(created_at=base + timedelta(hours=2))
    # Converted, with an RFQ id.
    Inquiry.all_objects.filter(pk=shapes[2].pk).update(
        converted_customer=customer, converted_at=timezone.now(), rfq_id=shapes[3].pk
    )
    # Soft-deleted: hidden. Reassigned to someone else: hidden.
    Inquiry.all_objects.filter(pk=shapes[4].pk).update(deleted_at=timezone.now())
    inquiries.inquiry_assign(inquiry=shapes[5], assignee=other, actor=None)
    InquiryFactory(assigned_to=other)  # a colleague's
    InquiryFactory.create_batch(3)  # nobody's
    return list(
        Inquiry.all_objects.filter(pk__in=[s.pk for s in shapes])
        .exclude(pk__in=[shapes[4].pk, shapes[5].pk])
        .order_by("-created_at", "-id")
    )


def test_a_sales_user_sees_exactly_their_assigned_live_inquiries_newest_first(auth_client, make_user):
    client = auth_client("sales")
    expected = [str(i.pk) for i in _visible_set(client.user, make_user("sales"), make_user("customer"))]
    assert len(expected) == 22
    for size in (1, 7, 20, 100):
        pages = -(-22 // size)
        seen = []
        for page in range(1, pages + 1):
            plain = client.get(URL, {"page_size": size, "page": page})
            # Any other parameter takes the filtered path (django-filter, OrderingFilter).
            filtered = client.get(URL, {"page_size": size, "page": page, "search": ""})
            assert plain.status_code == filtered.status_code == 200, (plain.content, filtered.content)
            plain_body, filtered_body = plain.json(), filtered.json()
            for link in ("next", "previous"):  # the filtered path's links carry its parameter
                if filtered_body[link]:
                    filtered_body[link] = filtered_body[link].replace("&search=", "")
            assert plain_body == filtered_body
            assert plain_body["count"] == 22
            seen += [row["id"] for row in plain_body["results"]]
        assert seen == expected
    assert client.get(URL, {"page_size": 20, "page": 3}).status_code == 404
    last = client.get(URL, {"page_size": 20, "page": "last"}).json()
    assert [row["id"] for row in last["results"]] == expected[20:]


def test_the_rows_show_what_the_detail_shows(auth_client, make_user):
    client = auth_client("sales")
    _visible_set(client.user, make_user("sales"), make_user("customer"))
    for row in client.get(URL, {"page_size": 100}).json()["results"]:
        assert client.get(f"{URL}/{row['id']}").json() == row


def test_a_sales_user_with_nothing_assigned_gets_an_empty_page(auth_client):
    InquiryFactory.create_batch(2)
    body = auth_client("sales").get(URL).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_reassignment_moves_visibility_at_once(auth_client):
    first, second = auth_client("sales"), auth_client("sales")
    inquiry = inquiries.inquiry_assign(inquiry=InquiryFactory(), assignee=first.user, actor=None)

    def ids(client):
        return [row["id"] for row in client.get(URL).json()["results"]]

    assert (ids(first), ids(second)) == ([str(inquiry.pk)], [])
    assert first.get(f"{URL}/{inquiry.pk}").status_code == 200
    inquiries.inquiry_assign(inquiry=inquiry, assignee=second.user, actor=None)
    assert (ids(first), ids(second)) == ([], [str(inquiry.pk)])
    assert first.get(f"{URL}/{inquiry.pk}").status_code == 404
    assert first.patch(f"{URL}/{inquiry.pk}", {"notes": "mine?"}, format="json").status_code == 404
    inquiries.inquiry_assign(inquiry=inquiry, assignee=None, actor=None)
    assert (ids(first), ids(second)) == ([], [])


def test_the_list_follows_the_inquiry_row(auth_client):
    """Whatever changes the row (the services, ``QuerySet.update()``), the list reads it."""
    client = auth_client("sales")
    old, new = (InquiryFactory(assigned_to=client.user) for _ in range(2))
    Inquiry.all_objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    Inquiry.all_objects.filter(pk=new.pk).update(deleted_at=timezone.now())

    def listed():
        body = client.get(URL, {"page_size": 20}).json()
        assert body["count"] == len(body["results"])
        return [row["id"] for row in body["results"]]

    assert listed() == [str(old.pk)]  # deleted: hidden
    Inquiry.all_objects.filter(pk=new.pk).update(deleted_at=None)
    assert listed() == [str(new.pk), str(old.pk)]  # restored
    Inquiry.all_objects.filter(pk=old.pk).update(created_at=timezone.now() + timedelta(days=1))
    assert listed() == [str(old.pk), str(new.pk)]  # moved in time
    inquiries.inquiry_soft_delete(inquiry=Inquiry.objects.get(pk=old.pk), actor=None)
    assert listed() == [str(new.pk)]
    Inquiry.all_objects.filter(pk=new.pk).update(assigned_to=None)
    assert listed() == []


def test_a_user_who_sees_all_inquiries_is_not_limited_to_their_own(auth_client):
    manager = auth_client("sales")
    from django.contrib.auth.models import Permission

    manager.user.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    InquiryFactory.create_batch(3)
    assert manager.get(URL).json()["count"] == 3
    assert auth_client("support").get(URL).json()["count"] == 3


@pytest.mark.postgres
def test_on_postgresql_the_page_and_its_count_are_one_statement_on_the_assignee_index(make_user):
    sales, colleagues = make_user("sales"), [make_user("sales") for _ in range(40)]
    # As on real data: each user's part is small next to the table; most are nobody's.
    owners = [sales if n % 100 == 0 else colleagues[n % 40] if n % 4 == 1 else None for n in range(10000)]
    Inquiry.objects.bulk_create([InquiryFactory.build(assigned_to=owner) for owner in owners], batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_inquiry")
        # Statistics of rows written inside the test's transaction are rough: let the plan
        # show what the index can do (on the vacuumed bench data the planner picks it alone,
        # docs/benchmarks.md).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    reference = Inquiry.objects.filter(assigned_to=sales).order_by("-created_at", "-id")
    for offset in (0, 80, 100):
        with CaptureQueriesContext(connection) as captured:
            total, rows = selectors.assigned_inquiry_page(user=sales, offset=offset, limit=20)
        assert total == 100
        assert [row.id for row in rows] == list(reference.values_list("id", flat=True)[offset : offset + 20])
        # One round trip for a page with rows; past the end, the total alone.
        assert len(captured.captured_queries) == (1 if rows else 2)
    # Production runs it prepared: its generic plan (no values known) reads the page from the
    # partial index in its order, and counts from an index on the assignee (index-only on the
    # partial index once the table is vacuumed, as on the bench data; the foreign key's before).
    statement = selectors._ASSIGNED_PAGE.format(limit=20, offset=80).replace("%(user)s", "$1")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE assigned_page (uuid) AS {statement}")
        cursor.execute(f"EXPLAIN EXECUTE assigned_page ('{sales.pk}')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE assigned_page")
    page_plan = plan[plan.index("->  Index Scan using leads_inquiry_assigned_new on leads_inquiry i") :]
    assert "Index Cond: (assigned_to_id = $1)" in page_plan, plan
    assert plan.count("Index Cond: (assigned_to_id = $1)") == 2, plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


def test_the_statement_reads_the_list_columns_in_their_order():
    """The PostgreSQL statement's rows are read by position as ``LIST_COLUMNS``."""
    statement = selectors._ASSIGNED_PAGE
    start, end = statement.index("AS total,") + len("AS total,"), statement.index("FROM leads_inquiry i")
    columns = tuple(column.strip().removeprefix("i.") for column in statement[start:end].split(","))
    assert columns == selectors.LIST_COLUMNS
