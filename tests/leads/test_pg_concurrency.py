"""Real concurrent transactions on PostgreSQL: the round-robin assignment takes turns under
concurrent submissions, converting one inquiry twice at once makes one customer, a
rescoring running next to rule changes ends with the newest rules applied, and an assignment
racing a soft delete leaves the inquiry hidden."""

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


@pytest.mark.parametrize("first", ["assign", "delete"])
def test_an_assignment_racing_a_soft_delete_leaves_the_inquiry_hidden(make_user, first):
    """Whichever of the two commits first, the assignee's list ends without the inquiry: both
    lock the inquiry's row, and the list reads the row itself (assignee and delete mark)."""
    import contextlib
    import threading
    import time

    from django.db import transaction

    from apps.leads import selectors

    sales = make_user("sales")
    inquiry = InquiryFactory()
    started = threading.Event()

    def assign():
        with contextlib.suppress(Inquiry.DoesNotExist):  # deleted first: nothing left to assign
            inquiries.inquiry_assign(inquiry=inquiry, assignee=sales, actor=None)

    def delete():
        inquiries.inquiry_soft_delete(inquiry=inquiry, actor=None)

    steps = {"assign": assign, "delete": delete}
    second = "delete" if first == "assign" else "assign"

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
    assert Inquiry.all_objects.get(pk=inquiry.pk).deleted_at is not None
    assert selectors.assigned_inquiry_page(user=sales, offset=0, limit=20) == (0, [])
