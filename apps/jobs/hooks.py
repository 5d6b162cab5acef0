"""The job workflow's side effects (``JOB.on``), run inside the transaction that moved the job:

- RECEIVED (offered): the provider's email and in-app notice;
- ACCEPTED, EN_ROUTE, COMPLETED: the customer's email (and SMS where they opted in);
- CANCELLED: the customer's email, and the provider's notice if it had the job.

A status is entered once per move and a move cannot repeat, so each message goes once.
Outside the workflow: staff are alerted when no resource is left (``job_unmatched``), the
customer and provider hear of a payment (``job_paid``) and of a reassignment
(``job_taken_back``)."""

from __future__ import annotations

from django.conf import settings

from apps.core.roles import LOGISTICS
from apps.notifications import api as notifications

from .models import Job
from .workflows import JOB

J = Job.Status

JOB_MESSAGES = {
    J.ACCEPTED: "{provider} accepted your {service} job for {date}.",
    J.EN_ROUTE: "{provider} is on the way to your site for the {service} job.",
    J.COMPLETED: "Your {service} job is completed.",
    J.CANCELLED: "Your {service} job for {date} is cancelled.",
}


def customer_job_url(job: Job) -> str:
    return f"{settings.FRONTEND_URL}/jobs/{job.pk}"


def provider_job_url(job: Job) -> str:
    return settings.JOB_PROVIDER_URL.format(id=job.pk)


def _job_context(job: Job, message: str, url: str, *, with_estimate: bool = False) -> dict:
    context = {
        "message": message,
        "service": job.service_type.name,
        "site_address": job.site_address,
        "preferred_date": job.preferred_date.isoformat(),
        "provider": job.provider.business_name if job.provider_id else "",
        "resource": job.resource.name if job.resource_id else "",
        "estimate": None,
        "url": url,
    }
    if with_estimate and job.resource_id:
        from .services import job_estimate

        estimate = job_estimate(job=job)
        context["estimate"] = {
            "labour": f"{estimate.labour}",
            "travel_fee": f"{estimate.travel_fee}",
            "total": f"{estimate.total}",
            "currency": estimate.currency,
        }
    return context


def _tell_customer(job: Job, message: str, *, with_estimate: bool = False) -> None:
    notifications.email_queue(
        to=job.customer.email,
        template="job_update",
        context=_job_context(job, message, customer_job_url(job), with_estimate=with_estimate),
        subject=message,
        related=job,
    )
    notifications.sms_send(user=job.customer, body=f"{message} {customer_job_url(job)}")


def _tell_provider(job: Job, message: str, *, email: bool = True) -> None:
    provider = job.provider
    if provider is None:
        return
    url = provider_job_url(job)
    if email:
        notifications.email_queue(
            to=provider.user.email,
            template="job_update",
            context=_job_context(job, message, url, with_estimate=True),
            subject=message,
            related=job,
        )
    notifications.notification_create(user=provider.user, title=message, link=url)


def _job_text(job: Job, status: str) -> str:
    return JOB_MESSAGES[status].format(
        provider=job.provider.business_name if job.provider_id else "The provider",
        service=job.service_type.name.lower(),
        date=job.preferred_date.isoformat(),
    )


@JOB.on(J.RECEIVED)
def job_offered(job: Job, *, before, actor=None, **context):
    _tell_provider(
        job,
        f"New job offer: {job.service_type.name}, {job.size} {job.service_type.unit}(s) on "
        f"{job.preferred_date.isoformat()} ({job.distance_km} km from {job.resource.name}).",
    )


@JOB.on(J.ACCEPTED)
def job_accepted(job: Job, *, before, actor=None, **context):
    _tell_customer(job, _job_text(job, J.ACCEPTED), with_estimate=True)


@JOB.on(J.EN_ROUTE)
def job_en_route(job: Job, *, before, actor=None, **context):
    _tell_customer(job, _job_text(job, J.EN_ROUTE))


@JOB.on(J.COMPLETED)
def job_completed(job: Job, *, before, actor=None, **context):
    _tell_customer(job, _job_text(job, J.COMPLETED))


@JOB.on(J.CANCELLED)
def job_cancelled(job: Job, *, before, actor=None, **context):
    text = _job_text(job, J.CANCELLED)
    if actor is None or actor.pk != job.customer_id:
        _tell_customer(job, text)
    _tell_provider(
        job, f"Job cancelled: {job.service_type.name} on {job.preferred_date.isoformat()}.", email=False
    )


def job_unmatched(job: Job) -> None:
    """No resource is left to offer the job to: logistics staff are told (email + in-app)."""
    from django.contrib.auth import get_user_model

    message = (
        f"No provider available for a {job.service_type.name} job on {job.preferred_date.isoformat()}: "
        "reassign it by hand."
    )
    url = settings.JOB_STAFF_URL.format(id=job.pk)
    recipients = notifications.role_emails(role=LOGISTICS)
    if recipients:
        notifications.email_queue(
            to=recipients,
            template="job_update",
            context=_job_context(job, message, url),
            subject=message,
            related=job,
        )
    staff = get_user_model().objects.filter(is_active=True, groups__name=LOGISTICS).distinct()
    for user in staff:
        notifications.notification_create(user=user, title=message, link=url)


def job_paid(job: Job, payment) -> None:
    notifications.email_queue(
        to=job.customer.email,
        template="job_update",
        context=_job_context(
            job,
            f"Payment received: {payment.amount} {payment.currency} "
            f"for your {job.service_type.name.lower()} job.",
            customer_job_url(job),
        ),
        subject=f"Payment received for your {job.service_type.name.lower()} job",
        related=job,
    )
    _tell_provider(job, f"Job paid: {payment.amount} {payment.currency}.", email=False)


def job_taken_back(job: Job) -> None:
    """Staff reassign an accepted job: its provider loses it (in-app notice) and the customer is
    told that another provider will be confirmed."""
    _tell_provider(
        job,
        f"Job reassigned by staff: {job.service_type.name} on {job.preferred_date.isoformat()}.",
        email=False,
    )
    _tell_customer(
        job,
        f"Your {job.service_type.name.lower()} job for {job.preferred_date.isoformat()} is being "
        "moved to another provider; you will hear when they accept it.",
    )
