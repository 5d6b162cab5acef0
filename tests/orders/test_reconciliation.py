"""Reconciliation finds each of the four kinds of mismatch and applies a provider success
to a pending payment, as the webhook would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.orders.models import Order, Payment, ReconciliationIssue, ReconciliationRun
from apps.orders.payments import ProviderRecord
from apps.orders.payments.offline import OfflineProvider
from apps.orders.services.reconciliation import reconciliation_run
from apps.orders.tasks import reconcile_payments

from .factories import checkout, new_cart, sellable

pytestmark = pytest.mark.django_db


class ListedProvider(OfflineProvider):
    """The offline provider, but its list is what the test says the provider has."""

    records: list = []

    def list_payments(self, *, since):
        yield from self.records


@pytest.fixture
def orders(api_client):
    sellable("REC-1", usd="10.00", on_hand=100)
    made = []
    for _ in range(4):
        cart = new_cart(api_client, items={"REC-1": 1})
        made.append(Order.objects.get(number=checkout(api_client, cart).json()["order"]["number"]))
    return made


def record(payment, **changes):
    fields = {
        "reference": payment.reference,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": "pending",
    }
    return ProviderRecord(**{**fields, **changes})


def test_each_kind_of_mismatch_is_found_and_a_missed_success_is_applied(
    orders, monkeypatch, mailoutbox, make_user, django_capture_on_commit_callbacks
):
    make_user("finance", email="fin@example.com")
    payments = [o.payments.get() for o in orders]
    ListedProvider.records = [
        record(payments[0]),  # matches
        record(payments[1], status="succeeded"),  # we missed the webhook
        record(payments[2], amount=Decimal("1.00")),
        ProviderRecord(reference="pi_unknown", amount=Decimal("5.00"), currency="USD", status="succeeded"),
    ]  # payments[3] is not listed
    monkeypatch.setattr("apps.orders.services.reconciliation.provider_named", lambda name: ListedProvider())
    with django_capture_on_commit_callbacks(execute=True):
        run = reconciliation_run(provider_name="offline", days=3)
    kinds = dict(run.issues.values_list("reference", "kind"))
    assert kinds == {
        payments[1].reference: "status_mismatch",
        payments[2].reference: "amount_mismatch",
        "pi_unknown": "missing_locally",
        payments[3].reference: "missing_at_provider",
    }
    assert (run.status, run.provider_count, run.local_count, run.issue_count, run.applied_count) == (
        "issues",
        4,
        4,
        4,
        1,
    )
    assert run.issues.get(kind="status_mismatch").applied
    assert Order.objects.get(pk=orders[1].pk).status == "paid"
    assert Payment.objects.get(pk=payments[1].pk).status == "succeeded"
    finance = [m for m in mailoutbox if m.to == ["fin@example.com"]]
    assert len(finance) == 1 and "found 4 issues (1 applied here)" in finance[0].body
    assert finance[0].subject == "Payment reconciliation: 4 issues (offline)"
    assert {m.to[0] for m in mailoutbox} == {"fin@example.com", "ada@example.com"}  # + the order emails

    again = reconciliation_run(provider_name="offline", days=3)  # applying twice changes nothing
    assert again.applied_count == 0 and Order.objects.get(pk=orders[1].pk).status == "paid"
    assert not again.issues.filter(kind="status_mismatch").exists()


def test_a_clean_run_and_the_period(orders, monkeypatch):
    payments = [o.payments.get() for o in orders]
    Payment.objects.filter(pk=payments[3].pk).update(created_at=timezone.now() - timedelta(days=10))
    ListedProvider.records = [record(p) for p in payments[:3]]
    monkeypatch.setattr("apps.orders.services.reconciliation.provider_named", lambda name: ListedProvider())
    run = reconciliation_run(provider_name="offline", days=3)
    assert (run.status, run.issue_count, run.local_count) == ("clean", 0, 3)


def test_the_offline_provider_reconciles_clean_through_the_task(orders):
    [summary] = reconcile_payments.delay().get()
    assert summary["provider"] == "offline" and summary["issues"] == 0
    assert ReconciliationRun.objects.get().status == "clean"


def test_a_provider_failure_marks_the_run_failed(orders, monkeypatch):
    class Broken(OfflineProvider):
        def list_payments(self, *, since):
            yield record(orders[0].payments.get())
            raise ConnectionError("provider down")

    monkeypatch.setattr("apps.orders.services.reconciliation.provider_named", lambda name: Broken())
    with pytest.raises(ConnectionError):
        reconciliation_run(provider_name="offline", days=3)
    run = ReconciliationRun.objects.get()
    assert run.status == "failed" and "provider down" in run.error
    assert not ReconciliationIssue.objects.exists()
