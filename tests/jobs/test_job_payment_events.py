"""Orders tells the jobs app about a job's payment with events sent after commit (orders never
imports jobs): nothing happens to the job before the payment commits, nothing at all when
it rolls back, and a failing listener is logged without undoing the payment."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.jobs import services as jobs
from apps.jobs.models import Job
from apps.orders import api as orders
from apps.orders.models import Payment

from .job_factories import job_in, resource, unique

pytestmark = pytest.mark.django_db


def _job_payment() -> tuple[Job, Payment]:
    res = resource(name=unique("Evented"), km_north=10, rate="50.00", fee="2.00")
    job = job_in(Job.Status.ACCEPTED, res=res, estimated_hours=Decimal("4.00"), currency=res.currency)
    return job, jobs.job_payment_intent(job=job, user=job.customer)


def _succeed(payment: Payment) -> str:
    return orders.payment_succeeded_apply(
        providers=(payment.provider,),
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        source="test",
    )


def test_the_job_is_paid_only_once_the_payment_commits(django_capture_on_commit_callbacks):
    job, payment = _job_payment()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _succeed(payment) == "payment succeeded: payment_succeeded sent"
    job.refresh_from_db()
    assert job.paid_at is None  # not yet committed: the jobs app has heard nothing
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    payment.refresh_from_db()
    assert job.paid_at == payment.succeeded_at is not None


def test_a_rolled_back_payment_is_never_announced(django_capture_on_commit_callbacks):
    job, payment = _job_payment()
    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    orders.payment_succeeded.connect(listener)
    try:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            _succeed(payment)
            raise RuntimeError("rolled back")
    finally:
        orders.payment_succeeded.disconnect(listener)
    job.refresh_from_db()
    payment.refresh_from_db()
    assert heard == [] and job.paid_at is None and payment.status == Payment.Status.PENDING


def test_a_failing_listener_is_logged_and_the_others_still_hear(django_capture_on_commit_callbacks, caplog):
    job, payment = _job_payment()

    def broken(**kwargs):
        raise ValueError("listener bug")

    orders.payment_succeeded.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _succeed(payment)
    finally:
        orders.payment_succeeded.disconnect(broken)
    job.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and job.paid_at == payment.succeeded_at
    assert "receiver" in caplog.text and "listener bug" in caplog.text


def test_a_lost_event_is_applied_by_the_sweep_once(django_capture_on_commit_callbacks):
    """The process stops between the payment's commit and its event: the beat sweep
    (``jobs.apply_missed_job_payments``) pays the job once the grace period has passed, and
    a second sweep changes nothing."""
    from datetime import timedelta

    from apps.jobs.tasks import apply_missed_job_payments

    job, payment = _job_payment()
    with django_capture_on_commit_callbacks(execute=False):
        _succeed(payment)  # its event is never sent: the callbacks are dropped
    assert jobs.job_payments_missed() == []  # within the grace period: the event may still come
    payment.refresh_from_db()
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=payment.succeeded_at - timedelta(minutes=10))
    payment.refresh_from_db()
    assert jobs.job_payments_missed() == [payment.pk]
    assert apply_missed_job_payments() == {"job paid": 1}
    job.refresh_from_db()
    assert job.paid_at == payment.succeeded_at
    assert apply_missed_job_payments() == {} and jobs.job_payments_missed() == []


def test_the_sweep_leaves_applied_payments_alone(django_capture_on_commit_callbacks):
    from datetime import timedelta

    job, payment = _job_payment()
    with django_capture_on_commit_callbacks(execute=True):
        _succeed(payment)
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=job.created_at - timedelta(days=1))
    assert jobs.job_payments_missed() == []
