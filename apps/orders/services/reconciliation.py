"""Payment reconciliation: page through a provider's payments of the last N days and compare
them with ours, in batches (constant memory but for the set of references seen).

Four kinds of issue: at the provider but not here; amount or currency differs; status
differs (a provider success, refunded since or not, with our payment still pending is applied
here, idempotently, as the webhook would have, with the refunds reported and held meanwhile);
here but not at the provider. Results are stored as a run with its issues; finance is emailed
when there are any."""

from __future__ import annotations

import logging
from datetime import timedelta
from itertools import islice
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Payment, ReconciliationIssue, ReconciliationRun
from ..payments import ProviderRecord, payment_currencies, provider_name_for, provider_named
from . import emails, payment_events

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)
BATCH = 500
Kind = ReconciliationIssue.Kind
# A provider status that means the money was taken (a refund since included): our payment still
# pending or failed missed its success, which is applied here (with any refund the provider
# reported meanwhile, held on the payment until then).
CAPTURED_AT_PROVIDER = ("succeeded", "partially_refunded", "refunded")


def configured_providers() -> list[str]:
    """The providers payments are taken with here: each currency's (the offline one where it
    stands in, in development), none for a currency that cannot be paid."""
    names = {provider_name_for(currency) for currency in payment_currencies()}
    return sorted(name for name in names if name is not None)


def _local_providers(name: str) -> tuple[str, ...]:
    return (name,)


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def reconciliation_run(
    *, provider_name: str, days: int | None = None, actor: AnyUser | None = None
) -> ReconciliationRun:
    days = days or settings.PAYMENT_RECONCILIATION_DAYS
    since = timezone.now() - timedelta(days=days)
    run = ReconciliationRun.objects.create(
        provider=provider_name, since=since, triggered_by=actor if actor and actor.is_authenticated else None
    )
    seen: set[str] = set()
    try:
        provider = provider_named(provider_name)
        for batch in _batches(provider.list_payments(since=since), BATCH):
            _compare_batch(run=run, batch=batch, seen=seen)
        _missing_at_provider(run=run, since=since, seen=seen)
    except Exception as exc:  # the run is recorded as failed, and the error re-raised for the task
        run.status, run.error, run.finished_at = (
            ReconciliationRun.Status.FAILED,
            f"{type(exc).__name__}: {exc}",
            timezone.now(),
        )
        run.save(
            update_fields=[
                "status",
                "error",
                "finished_at",
                "provider_count",
                "local_count",
                "issue_count",
                "applied_count",
                "updated_at",
            ]
        )
        raise
    run.status = ReconciliationRun.Status.ISSUES if run.issue_count else ReconciliationRun.Status.CLEAN
    run.finished_at = timezone.now()
    run.save()
    if run.issue_count:
        _email_finance(run)
    return run


def _compare_batch(*, run: ReconciliationRun, batch: list[ProviderRecord], seen: set[str]) -> None:
    local = {
        p.reference: p
        for p in Payment.objects.filter(
            provider__in=_local_providers(run.provider), reference__in=[r.reference for r in batch]
        )
    }
    issues = []
    for record in batch:
        seen.add(record.reference)
        run.provider_count += 1
        payment = local.get(record.reference)
        if payment is None:
            issues.append(
                _issue(
                    run,
                    Kind.MISSING_LOCALLY,
                    record,
                    None,
                    "The provider has a payment we have no record of.",
                )
            )
            continue
        if record.amount != payment.amount or record.currency != payment.currency:
            issues.append(
                _issue(
                    run,
                    Kind.AMOUNT_MISMATCH,
                    record,
                    payment,
                    f"Provider {record.amount:.2f} {record.currency}, "
                    f"here {payment.amount:.2f} {payment.currency}.",
                )
            )
            continue
        if record.status != payment.status and not _equivalent(record.status, payment.status):
            issue = _issue(
                run,
                Kind.STATUS_MISMATCH,
                record,
                payment,
                f"Provider says {record.status}, here {payment.status}.",
            )
            if record.status in CAPTURED_AT_PROVIDER and payment.status in (
                Payment.Status.PENDING,
                Payment.Status.FAILED,
            ):
                if payment.status == Payment.Status.FAILED:
                    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)
                outcome = payment_events.payment_succeeded(
                    providers=(payment.provider,),
                    reference=payment.reference,
                    amount=record.amount,
                    currency=record.currency,
                    source="reconciliation",
                )
                issue.applied = True
                issue.detail += f" Applied here: {outcome}."
                run.applied_count += 1
            issues.append(issue)
    if issues:
        ReconciliationIssue.objects.bulk_create(issues)
        run.issue_count += len(issues)
    run.save(update_fields=["provider_count", "issue_count", "applied_count", "updated_at"])


def _equivalent(provider_status: str, local_status: str) -> bool:
    """Refund states are ours to track (the provider's payment stays succeeded)."""
    return provider_status == "succeeded" and local_status in (
        "partially_refunded",
        "refunded",
        "needs_review",
    )


def _missing_at_provider(*, run: ReconciliationRun, since, seen: set[str]) -> None:
    qs = Payment.objects.filter(provider__in=_local_providers(run.provider), created_at__gte=since).order_by(
        "pk"
    )
    issues = []
    for payment in qs.iterator(chunk_size=2000):
        run.local_count += 1
        if payment.reference not in seen:
            issues.append(
                ReconciliationIssue(
                    run=run,
                    kind=Kind.MISSING_AT_PROVIDER,
                    reference=payment.reference,
                    payment=payment,
                    local_amount=payment.amount,
                    local_currency=payment.currency,
                    local_status=payment.status,
                    detail="We have a payment the provider does not list.",
                )
            )
        if len(issues) >= BATCH:
            ReconciliationIssue.objects.bulk_create(issues)
            run.issue_count += len(issues)
            issues = []
    if issues:
        ReconciliationIssue.objects.bulk_create(issues)
        run.issue_count += len(issues)


def _issue(run, kind, record: ProviderRecord, payment: Payment | None, detail: str) -> ReconciliationIssue:
    return ReconciliationIssue(
        run=run,
        kind=kind,
        reference=record.reference,
        payment=payment,
        provider_amount=record.amount,
        provider_currency=record.currency,
        provider_status=record.status,
        local_amount=payment.amount if payment else None,
        local_currency=payment.currency if payment else "",
        local_status=payment.status if payment else "",
        detail=detail,
    )


def _email_finance(run: ReconciliationRun) -> None:
    counts: dict[str, int] = {}
    for kind in run.issues.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    with transaction.atomic():
        emails.reconciliation_report_queue(
            run=run,
            counts=[
                {"label": str(ReconciliationIssue.Kind(kind).label), "count": n}
                for kind, n in sorted(counts.items())
            ],
        )
