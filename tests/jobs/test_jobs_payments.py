"""Paying for a job: the payment intent once the job is accepted (idempotent), the signed Stripe
webhook (the offline provider in tests) marking the job paid once, amount mismatches flagged,
refunds on cancellation, and the payment's link to its job (never to an order)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.jobs import services as jobs
from apps.jobs.models import Job
from apps.jobs.payments import JOB_SUBJECT, job_payments
from apps.notifications.models import EmailMessage, Notification
from apps.orders.models import Payment, Refund, WebhookEvent
from tests.helpers import assert_error
from tests.orders.factories import stripe_delivery, succeeded_event

from .job_factories import job_in, resource, unique

pytestmark = pytest.mark.django_db

J = Job.Status


def _intent(client, job, **headers):
    return client.post(f"/api/v1/jobs/{job.pk}/payment-intent", **headers)


def _accepted(**kwargs) -> Job:
    """An accepted job whose estimate is 4 h × 50.00 + 10 km × 2.00 = 220.00 USD."""
    res = resource(name=unique("Payable"), km_north=10, rate="50.00", fee="2.00", **kwargs)
    return job_in(J.ACCEPTED, res=res, estimated_hours=Decimal("4.00"), currency=res.currency)


def _deliver(api_client, capture, event):
    with capture(execute=True):
        response = stripe_delivery(api_client, event)
    assert response.status_code == 200, response.content
    return response.json()


def _paid_emails(job):
    return EmailMessage.objects.filter(
        template="job_update", related_object_id=str(job.pk), subject__startswith="Payment received"
    )


@pytest.mark.parametrize("state", [J.SENT, J.RECEIVED, J.CANCELLED])
def test_a_job_is_payable_only_once_accepted(auth_client, state):
    job = job_in(state)
    owner = auth_client(user=job.customer)
    assert_error(_intent(owner, job), 409, code="not_payable")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("state", [J.ACCEPTED, J.EN_ROUTE, J.IN_PROGRESS, J.COMPLETED])
def test_an_accepted_or_later_job_is_payable(auth_client, state):
    job = job_in(state, estimated_hours=Decimal("4.00"))
    response = _intent(auth_client(user=job.customer), job)
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "220.00"  # 4 × 50.00 + 10 km × 2.00


def test_the_payment_intent_charges_the_estimate_through_the_currencys_provider(auth_client):
    job = _accepted()
    owner = auth_client(user=job.customer)
    estimate = owner.get(f"/api/v1/jobs/{job.pk}/estimate").json()
    response = _intent(owner, job)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "provider", "reference", "client_secret", "amount", "currency", "status"}
    assert (body["provider"], body["amount"], body["currency"], body["status"]) == (
        "offline",
        estimate["total"],
        "USD",
        "pending",
    )
    assert body["amount"] == "220.00"
    assert body["reference"].startswith("pi_") and body["client_secret"].startswith(body["reference"])
    payment = Payment.objects.get(pk=body["id"])
    assert payment.order is None and payment.order_id is None
    assert payment.subject_job_id == job.pk
    assert payment.amount == Decimal("220.00")


def test_the_payment_intent_is_idempotent(auth_client):
    job = _accepted()
    owner = auth_client(user=job.customer)
    first = _intent(owner, job).json()
    again = _intent(owner, job).json()
    assert again == first  # the pending payment, again
    keyed = _intent(owner, job, HTTP_IDEMPOTENCY_KEY="pay-1")
    replay = _intent(owner, job, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert keyed.status_code == replay.status_code == 201
    assert replay.content == keyed.content
    assert replay["Idempotent-Replayed"] == "true"
    assert keyed.json()["id"] == first["id"]
    assert job_payments(job_id=job.pk).count() == 1


def test_only_the_customer_and_job_staff_may_ask_for_a_payment(auth_client):
    job = _accepted()
    assert_error(_intent(auth_client("customer"), job), 404)
    assert_error(_intent(auth_client(user=job.provider.user), job), 404)
    assert_error(_intent(auth_client("sales"), job), 404)
    assert not Payment.objects.exists()
    assert _intent(auth_client("logistics"), job).status_code == 201


def test_the_webhook_marks_the_job_paid_once_and_tells_the_customer_once(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    owner = auth_client(user=job.customer)
    payment = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    event = succeeded_event(payment)
    assert event["data"]["object"]["metadata"] == {"job_id": str(job.pk)}
    first = _deliver(api_client, django_capture_on_commit_callbacks, event)
    assert first["duplicate"] is False
    job.refresh_from_db()
    payment.refresh_from_db()
    assert job.paid_at is not None and job.paid_at == payment.succeeded_at
    assert (payment.status, payment.amount_captured) == (Payment.Status.SUCCEEDED, Decimal("220.00"))
    assert not job.needs_attention
    assert WebhookEvent.objects.get().processed_at is not None
    mail = _paid_emails(job).get()
    assert mail.to == [job.customer.email]
    assert "220.00 USD" in mail.context["message"]
    paid_notice = Notification.objects.filter(user=job.provider.user, title__startswith="Job paid")
    assert paid_notice.count() == 1

    # Stripe retries the same event; another event for the same intent arrives too.
    paid_at = job.paid_at
    again = _deliver(api_client, django_capture_on_commit_callbacks, event)
    assert again["duplicate"] is True
    other = succeeded_event(payment)
    assert other["id"] != event["id"]
    _deliver(api_client, django_capture_on_commit_callbacks, other)
    job.refresh_from_db()
    assert job.paid_at == paid_at and not job.needs_attention
    assert _paid_emails(job).count() == 1
    assert paid_notice.count() == 1
    assert job_payments(job_id=job.pk).count() == 1
    assert job.status == J.ACCEPTED  # paying moves no state
    # Paid: no second payment.
    assert_error(_intent(owner, job), 409, code="already_paid")
    assert job_payments(job_id=job.pk).count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"amount": 100, "amount_received": 100}, id="less"),
        pytest.param({"amount": 22001, "amount_received": 22001}, id="more"),
        pytest.param({"currency": "eur"}, id="currency"),
    ],
)
def test_a_wrong_amount_flags_the_payment_and_the_job(
    auth_client, api_client, django_capture_on_commit_callbacks, overrides
):
    job = _accepted()
    owner = auth_client(user=job.customer)
    payment = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment, **overrides))
    job.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.NEEDS_REVIEW
    assert "expected 220.00 USD" in payment.review_reason
    assert job.needs_attention and job.paid_at is None
    assert payment.review_reason in job.notes
    assert not _paid_emails(job).exists()


def test_cancelling_a_paid_accepted_job_refunds_it(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    owner = auth_client(user=job.customer)
    payment = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment))
    response = owner.post(
        f"/api/v1/jobs/{job.pk}/status", {"status": J.CANCELLED, "note": "rain"}, format="json"
    )
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    payment.refresh_from_db()
    assert job.status == J.CANCELLED
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.actor_id) == (Decimal("220.00"), "succeeded", owner.user.pk)
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, Decimal("220.00"))
    # Paid once, refunded: still no second payment on a cancelled job.
    assert_error(_intent(owner, job), 409)


def test_staff_cancelling_a_paid_job_refunds_it_too(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    payment = Payment.objects.get(pk=_intent(auth_client(user=job.customer), job).json()["id"])
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment))
    staff = auth_client("logistics")
    assert (
        staff.post(f"/api/v1/jobs/{job.pk}/status", {"status": J.CANCELLED}, format="json").status_code == 200
    )
    assert Refund.objects.get(payment=payment).amount == Decimal("220.00")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


def test_cancelling_an_unpaid_job_refunds_nothing(auth_client):
    job = _accepted()
    owner = auth_client(user=job.customer)
    payment = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    jobs.job_cancel(job=job, user=owner.user)
    assert not Refund.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING


def test_a_payment_succeeding_after_cancellation_is_refunded_and_flagged(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    owner = auth_client(user=job.customer)
    payment = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    jobs.job_cancel(job=job, user=owner.user)
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment))
    job.refresh_from_db()
    payment.refresh_from_db()
    assert job.paid_at is None and job.needs_attention
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, Decimal("220.00"))
    assert Refund.objects.filter(payment=payment).count() == 1
    assert not _paid_emails(job).exists()


def test_a_zero_decimal_currency_is_charged_in_whole_units(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    res = resource(name="Yen rig", km_north=10, rate="1003", fee="111", currency="JPY")
    job = job_in(J.ACCEPTED, res=res, estimated_hours=Decimal("1.50"), currency="JPY")
    owner = auth_client(user=job.customer)
    body = _intent(owner, job).json()
    assert (body["amount"], body["currency"]) == ("2615.00", "JPY")  # 1504.5 → 1505; 1110.00
    event = succeeded_event(Payment.objects.get(pk=body["id"]))
    assert event["data"]["object"]["amount"] == 2615  # whole yen
    _deliver(api_client, django_capture_on_commit_callbacks, event)
    assert Job.objects.get(pk=job.pk).paid_at is not None


def test_a_new_estimate_after_reassignment_gets_a_new_payment(auth_client):
    job = _accepted()
    owner = auth_client(user=job.customer)
    first = _intent(owner, job).json()
    dearer = resource(name=unique("Dearer"), km_north=20, rate="70.00", fee="2.00")
    staff = auth_client("logistics")
    jobs.job_reassign(job=job, resource=dearer, actor=staff.user)
    jobs.job_accept(job=job, user=dearer.provider.user)
    second = _intent(owner, job).json()
    assert second["id"] != first["id"]
    assert second["amount"] == "320.00"  # 4 × 70.00 + 20 km × 2.00
    assert job_payments(job_id=job.pk).count() == 2


def test_a_payment_is_for_an_order_or_a_job_never_both_nor_neither():
    job = _accepted()
    from tests.tracking.factories import paid_order

    order = paid_order()
    common = {"provider": "offline", "amount": Decimal("1.00"), "currency": "USD"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(reference="pi_neither", **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            reference="pi_both", order=order, subject_type=JOB_SUBJECT, subject_id=job.pk, **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # a subject is its type and its id
        Payment.objects.create(reference="pi_no_id", subject_type=JOB_SUBJECT, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(reference="pi_no_type", subject_id=job.pk, **common)
    Payment.objects.create(reference="pi_job", subject_type=JOB_SUBJECT, subject_id=job.pk, **common)
    assert (
        Payment.objects.filter(reference__in=["pi_neither", "pi_both", "pi_no_id", "pi_no_type"]).count() == 0
    )


def _stripe_event(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_{unique('x').split()[1]}",
        "object": "event",
        "type": event_type,
        "data": {"object": obj},
    }


def test_a_dispute_on_a_job_payment_flags_the_job(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    payment = Payment.objects.get(pk=_intent(auth_client(user=job.customer), job).json()["id"])
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment))
    dispute = _stripe_event(
        "charge.dispute.created",
        {"object": "dispute", "payment_intent": payment.reference, "reason": "fraudulent"},
    )
    _deliver(api_client, django_capture_on_commit_callbacks, dispute)
    job.refresh_from_db()
    assert job.needs_attention
    assert f"dispute opened on payment {payment.reference}: fraudulent" in job.notes
    assert WebhookEvent.objects.get(event_id=dispute["id"]).processed_at is not None


def test_a_refund_made_at_the_provider_is_recorded_on_the_job_payment(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    payment = Payment.objects.get(pk=_intent(auth_client(user=job.customer), job).json()["id"])
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(payment))
    refunded = _stripe_event(
        "charge.refunded",
        {"object": "charge", "payment_intent": payment.reference, "currency": "usd", "amount_refunded": 5000},
    )
    _deliver(api_client, django_capture_on_commit_callbacks, refunded)
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("50.00"))
    assert WebhookEvent.objects.get(event_id=refunded["id"]).error == ""
    assert Job.objects.get(pk=job.pk).status == J.ACCEPTED


def test_a_second_payment_succeeding_on_a_paid_job_is_flagged_not_celebrated(
    auth_client, api_client, django_capture_on_commit_callbacks
):
    job = _accepted()
    owner = auth_client(user=job.customer)
    first = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    dearer = resource(name=unique("Dearer"), km_north=20, rate="70.00", fee="2.00")
    jobs.job_reassign(job=job, resource=dearer, actor=auth_client("logistics").user)
    jobs.job_accept(job=job, user=dearer.provider.user)
    second = Payment.objects.get(pk=_intent(owner, job).json()["id"])
    assert first.pk != second.pk
    _deliver(api_client, django_capture_on_commit_callbacks, succeeded_event(second))
    job.refresh_from_db()
    paid_at = job.paid_at
    assert paid_at is not None and not job.needs_attention
    _deliver(
        api_client, django_capture_on_commit_callbacks, succeeded_event(first)
    )  # the old intent, paid too
    job.refresh_from_db()
    assert job.paid_at == paid_at
    assert job.needs_attention and f"a second payment {first.reference} succeeded" in job.notes
    assert _paid_emails(job).count() == 1


def test_a_job_with_payments_is_never_deleted_one_without_is():
    """Payments name their job by reference, not by a foreign key the database protects: the
    jobs app refuses the delete itself, before any row goes."""
    from django.db.models import ProtectedError

    paid = _accepted()
    Payment.objects.create(
        reference="pi_keep", subject_type=JOB_SUBJECT, subject_id=paid.pk, provider="offline",
        amount=Decimal("1.00"), currency="USD",
    )  # fmt: skip
    events = paid.events.count()
    with pytest.raises(ProtectedError), transaction.atomic():
        paid.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Job.objects.filter(pk=paid.pk).delete()
    assert Job.objects.filter(pk=paid.pk).exists() and paid.events.count() == events
    assert job_payments(job_id=paid.pk).count() == 1
    unpaid = _accepted()
    unpaid.delete()
    assert not Job.objects.filter(pk=unpaid.pk).exists()
