"""The demo data that CI's API fuzzing runs against (issue 16, item 10): after ``seed_demo`` the
database holds every status of every workflow, refunds (full and partial) and shipments, each
history walks its workflow one allowed step at a time (the demo goes through the services, never
writing a status), the stock ledger adds up, no payment went to a real provider, and a second
run creates nothing."""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from apps.cms.models import NewsArticle
from apps.inventory.selectors import ledger_differences
from apps.jobs.models import Job, JobOffer
from apps.jobs.workflows import JOB
from apps.leads.models import Inquiry
from apps.orders import workflows as order_workflows
from apps.orders.models import Order, Payment, Refund
from apps.rfq import workflows as rfq_workflows
from apps.rfq.models import RFQ, Quote
from apps.tracking.models import Shipment
from apps.tracking.workflows import REPEATABLE, SHIPMENT

pytestmark = pytest.mark.django_db

WITH_EVERY_STATUS = [Order, Payment, Shipment, RFQ, Quote, Inquiry, Job, JobOffer, NewsArticle]


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())


def _walks(steps: list[tuple[str, str]], *, pairs, start: str, end: str, repeatable=()) -> bool:
    """The history starts at ``start``, every step leaves the state the previous one reached, by
    a transition of the workflow (or a repeated scan of a repeatable state), and ends at ``end``."""
    if not steps or steps[0] != ("", start) or steps[-1][1] != end:
        return False
    for (_, reached), (before, after) in zip(steps, steps[1:], strict=False):
        if before != reached:
            return False
        if (before, after) not in pairs and not (before == after and after in repeatable):
            return False
    return True


def test_every_status_of_every_workflow_refunds_and_a_consistent_ledger(seeded, auth_client):
    missing = {
        model.__name__: sorted(set(model.Status.values) - set(model.objects.values_list("status", flat=True)))
        for model in WITH_EVERY_STATUS
    }
    assert {name: states for name, states in missing.items() if states} == {}
    refunds = Refund.objects.select_related("payment")
    full = refunds.filter(payment__status=Payment.Status.REFUNDED)
    partial = refunds.filter(payment__status=Payment.Status.PARTIALLY_REFUNDED)
    assert full.exists() and partial.exists()
    assert all(r.amount == r.payment.amount_captured == r.payment.amount_refunded for r in full)
    assert all(Decimal(0) < r.amount < r.payment.amount_captured for r in partial)
    refunded_in_full = Order.objects.filter(payments__in=full.values("payment"))
    # Refunded by staff, and cancelled by the customer after paying.
    assert set(refunded_in_full.values_list("status", flat=True)) == {"refunded", "cancelled"}
    assert Payment.objects.filter(order__needs_review=True, status="needs_review").exists()
    assert set(Payment.objects.values_list("provider", flat=True)) == {"offline"}  # never a real one
    assert ledger_differences() == []
    # The finance pages that once answered 500 as soon as a refund existed read them.
    response = auth_client("finance").get("/api/v1/finance/refunds")
    assert response.status_code == 200, response.content
    assert sum(row["count"] for row in response.json()["results"]) == Refund.objects.count() >= 3


def test_every_history_walks_its_workflow_step_by_step(seeded):
    order_pairs = order_workflows.WORKFLOW.pairs()
    for order in Order.objects.all():
        steps = list(order.history.values_list("from_status", "to_status"))
        assert _walks(steps, pairs=order_pairs, start="pending_payment", end=order.status), (order, steps)
    rfq_pairs = rfq_workflows.WORKFLOW.pairs()
    for rfq in RFQ.objects.all():
        steps = list(rfq.history.values_list("from_status", "to_status"))
        assert _walks(steps, pairs=rfq_pairs, start="pending", end=rfq.status), (rfq, steps)
    for shipment in Shipment.objects.all():
        steps = list(shipment.events.filter(applied=True).values_list("from_status", "to_status"))
        assert _walks(
            steps, pairs=SHIPMENT.pairs(), start="label_created", end=shipment.status, repeatable=REPEATABLE
        ), (shipment, steps)
    for job in Job.objects.all():
        steps = list(job.events.values_list("from_status", "to_status"))
        assert _walks(steps, pairs=JOB.pairs(), start="SENT", end=job.status), (job, steps)
    # Shipments moved their orders: delivered ones delivered theirs (one since returned).
    assert {s.order.status for s in Shipment.objects.filter(status="delivered")} == {"delivered", "returned"}
    scanned = Shipment.objects.exclude(status="label_created")
    assert all(s.events.filter(source="carrier").exists() for s in scanned)  # the carriers' webhooks


def test_a_second_run_creates_nothing(seeded):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    after = counts()
    assert {label: (n, after[label]) for label, n in before.items() if after[label] != n} == {}
    assert ledger_differences() == []
