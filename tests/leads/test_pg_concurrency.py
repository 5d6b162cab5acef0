"""Real concurrent transactions on PostgreSQL: the round-robin assignment takes turns under
concurrent submissions, converting one inquiry twice at once makes one customer, and a
rescoring running next to rule changes ends with the newest rules applied."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from apps.core.errors import Conflict
from apps.leads.models import Inquiry
from apps.leads.services import inquiries, rules
from tests.helpers import run_concurrently, together

from .factories import InquiryFactory, rule_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_submissions_take_turns_among_sales_users(make_user):
    reps = [make_user("sales") for _ in range(3)]

    def submit(i):
        inquiry = inquiries.inquiry_submit(
            inquiry_type="sales",
            full_name=f"Buyer {i}",
            email=f"buyer{i}@example.com",
            message="Quote please",
            auto_assign=True,
        )
        return inquiry.assigned_to_id

    results, errors = run_concurrently(12, submit)
    assert errors == []
    assert Counter(results) == {rep.pk: 4 for rep in reps}


def test_two_concurrent_conversions_make_one_customer(make_user):
    actor = make_user("sales")
    inquiry = InquiryFactory(email="race@example.com")

    def convert(i):
        return inquiries.inquiry_convert(inquiry=inquiry, actor=actor).customer.pk

    results, errors = run_concurrently(2, convert)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert get_user_model().objects.filter(email="race@example.com").count() == 1


def test_a_rescoring_next_to_rule_changes_ends_with_the_newest_rules():
    rule = rule_make({"field": "country", "eq": "NG"}, 10, rule_type="country")
    InquiryFactory.create_batch(60, country="NG")

    def work(i):
        if i == 0:
            for value in (20, 30, 40, 50):
                rules.rule_update(rule=rule, data={"score_value": value}, actor=None)
            return rules.inquiries_rescore(batch_size=7)
        return rules.inquiries_rescore(batch_size=5)

    results, errors = run_concurrently(3, work)
    assert errors == [] and len(results) == 3
    assert set(Inquiry.objects.values_list("lead_score", flat=True)) == {50}


def test_two_beats_reminding_at_once_remind_each_stale_inquiry_once(make_user):
    """Two schedulers (or a slow run and the next hour's) run the stale-lead reminder at the
    same moment: each inquiry is claimed by one of them, so one email and one notification
    each, whatever the interleaving."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.leads.services.inquiries import stale_inquiries_remind
    from apps.notifications.models import EmailMessage, Notification

    sales = make_user("sales")
    stale = [InquiryFactory(assigned_to=sales) for _ in range(12)]
    Inquiry.all_objects.filter(pk__in=[i.pk for i in stale]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    counts = together(4, lambda i: stale_inquiries_remind())
    assert sum(counts) == 12
    emails = EmailMessage.objects.filter(template="inquiry_stale")
    assert sorted(e.related_object_id for e in emails) == sorted(str(i.pk) for i in stale)
    assert Notification.objects.filter(user=sales).count() == 12


def _copied_deleted_at(user) -> list:
    """What the permission rows of ``user`` hold of their inquiry's soft-delete mark (the copy
    the triggers of migration leads 0005 keep; the sales user's list reads it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inquiry_deleted_at FROM leads_inquiryuserobjectpermission WHERE user_id = %s",
            [user.pk],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("first", ["grant", "delete"])
def test_a_grant_racing_a_soft_delete_leaves_the_inquiry_hidden(make_user, first):
    """Whichever of the two commits first, the grant's copy ends up with the delete: the grant
    reads the inquiry FOR SHARE, so the delete waits for it or it waits for the delete."""
    import threading
    import time

    from django.db import transaction

    from apps.accounts import api as accounts
    from apps.leads import pg_queries

    sales = make_user("sales")
    inquiry = InquiryFactory()
    started = threading.Event()

    def grant():
        accounts.object_permission_grant(user=sales, perm="view", obj=inquiry)

    def delete():
        inquiries.inquiry_soft_delete(inquiry=inquiry, actor=None)

    steps = {"grant": grant, "delete": delete}
    second = "delete" if first == "grant" else "grant"

    def work(i):
        if i == 0:
            with transaction.atomic():
                steps[first]()
                started.set()
                time.sleep(0.5)  # the other one starts while this is uncommitted
        else:
            assert started.wait(20)
            steps[second]()

    together(2, work)
    copies = _copied_deleted_at(sales)
    assert len(copies) == 1 and copies[0] is not None, copies
    assert pg_queries.assigned_inquiry_page(user_id=sales.pk, offset=0, limit=20) == (None, [])
