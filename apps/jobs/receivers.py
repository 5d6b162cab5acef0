"""What the jobs app does when the orders app reports on a payment it takes for a service
job (orders' events, sent after orders' transaction commits; connected in ``apps.py``)."""

from __future__ import annotations

from apps.orders import api as orders
from apps.orders.api import Payment

from . import services as jobs


def on_payment_succeeded(*, payment_id, source: str, **_) -> None:
    jobs.job_payment_succeeded(payment_id=payment_id, source=source)


def on_payment_needs_review(*, payment_id, reason: str, **_) -> None:
    jobs.job_payment_flag(payment_id=payment_id, reason=reason)


def on_payment_disputed(*, payment_id, reason: str, **_) -> None:
    reference = Payment.objects.filter(pk=payment_id).values_list("reference", flat=True).first()
    jobs.job_payment_flag(payment_id=payment_id, reason=f"dispute opened on payment {reference}: {reason}")


def connect() -> None:
    orders.payment_succeeded.connect(on_payment_succeeded, dispatch_uid="jobs.payment_succeeded")
    orders.payment_needs_review.connect(on_payment_needs_review, dispatch_uid="jobs.payment_needs_review")
    orders.payment_disputed.connect(on_payment_disputed, dispatch_uid="jobs.payment_disputed")
