"""The shipment workflow's side effects, registered on its states (``SHIPMENT.on``) and run by
the services inside the transaction that moved the shipment:

- created (label_created, once per shipment): the customer's "shipped" email with the link;
- out_for_delivery, delivered: the customer's email (and SMS where they opted in);
- delivered: the order becomes ``delivered`` once every line is shipped and every shipment of
  it is delivered.

A replayed carrier event is stored once and cannot repeat a move, so each email goes once."""

from __future__ import annotations

from django.conf import settings

from apps.core.roles import LOGISTICS
from apps.notifications import api as notifications
from apps.orders import api as orders
from apps.orders.api import Order

from .models import Job, Shipment
from .workflows import JOB, SHIPMENT

S = Shipment.Status
J = Job.Status

MESSAGES = {
    "shipped": "Your order {number} has shipped with {carrier}.",
    S.OUT_FOR_DELIVERY: "Your order {number} is out for delivery today.",
    S.DELIVERED: "Your order {number} has been delivered.",
}


def tracking_page_url(shipment: Shipment) -> str:
    return f"{settings.FRONTEND_URL}/track/{shipment.tracking_code}"


def _notify(shipment: Shipment, kind: str) -> None:
    order = shipment.order
    text = MESSAGES[kind].format(number=order.number, carrier=shipment.carrier.name)
    notifications.email_queue(
        to=order.email,
        template="shipment_update",
        context={
            "kind": kind,
            "message": text,
            "order_number": order.number,
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
            "tracking_code": shipment.tracking_code,
            "carrier_url": shipment.carrier.tracking_url(shipment.tracking_number),
            "tracking_url": tracking_page_url(shipment),
            "lines": [
                {"sku": line.order_line.sku, "name": line.order_line.name, "quantity": line.quantity}
                for line in shipment.lines.select_related("order_line")
            ],
        },
        subject=text,
        related=shipment,
    )
    if order.customer_id:
        notifications.sms_send(user=order.customer, body=f"{text} Track it: {tracking_page_url(shipment)}")


@SHIPMENT.on(S.LABEL_CREATED)
def shipment_created(shipment: Shipment, *, before, actor=None, created=False, **context):
    if created:
        _notify(shipment, "shipped")


@SHIPMENT.on(S.OUT_FOR_DELIVERY)
def out_for_delivery(shipment: Shipment, *, before, actor=None, **context):
    _notify(shipment, S.OUT_FOR_DELIVERY)


@SHIPMENT.on(S.DELIVERED)
def delivered(shipment: Shipment, *, before, actor=None, **context):
    from .services import order_fully_shipped

    _notify(shipment, S.DELIVERED)
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
    undelivered = order.shipments.exclude(status=S.DELIVERED).exists()
    if not undelivered and order_fully_shipped(order) and order.status == Order.Status.SHIPPED:
        orders.order_advance(
            order=order, target=Order.Status.DELIVERED, actor=actor, reason="every shipment delivered"
        )


# --- Service jobs ---------------------------------------------------------------------------
#
# The job workflow's side effects (``JOB.on``), run inside the transaction that moved the job:
# - RECEIVED (offered): the provider's email and in-app notice;
# - ACCEPTED, EN_ROUTE, COMPLETED: the customer's email (and SMS where they opted in);
# - CANCELLED: the customer's email, and the provider's notice if it had the job.
# A status is entered once per move and a move cannot repeat, so each message goes once.

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
        from .jobs import job_estimate

        estimate = job_estimate(job)
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
