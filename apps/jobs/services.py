"""Service jobs: a customer's request for on-site work, matched to the nearest available
resource, accepted (or declined) by its provider, worked through the job workflow
(``workflows.JOB``), estimated, and paid through the commerce module's payment providers.

Every move locks the job, is checked by the workflow, and writes its history row (``JobEvent``)
and its side effects (``hooks``: emails, SMS, the provider's in-app notice) in one transaction:
a refused move changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.activity import activity_record
from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from apps.core.roles import ADMIN, CUSTOMER, LOGISTICS, PROVIDER, has_role, user_roles
from apps.core.services import enqueue_on_commit
from apps.orders import api as orders
from apps.orders.api import Charge, Payment, money_round, provider_for

from . import matching
from .models import Job, JobEvent, JobOffer, Resource, ServiceType
from .payments import JOB_SUBJECT, all_job_payments, job_payments
from .workflows import JOB, JOB_CANCELLABLE

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser, User

J = Job.Status
HOURS_STEP = Decimal("0.25")
PAYABLE_STATES = (J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def is_job_staff(*, user: AnyUser) -> bool:
    return has_role(user, LOGISTICS, ADMIN)


def caller_roles(*, user: AnyUser) -> set[str]:
    roles = set(user_roles(user))
    if getattr(user, "is_superuser", False):
        roles.add(ADMIN)
    return roles


def job_lock(*, job: Job) -> Job:
    """The job, its row locked for this transaction. The row is locked on its own (PostgreSQL
    cannot lock the nullable side of an outer join), then read with its relations."""
    Job.objects.select_for_update().filter(pk=job.pk).values_list("pk").get()
    return Job.objects.select_related("service_type", "resource", "provider").get(pk=job.pk)


def _resource_of(job: Job) -> Resource:
    """The resource a job is offered or assigned to (every state after SENT but CANCELLED has
    one; the workflow's check comes first)."""
    if job.resource is None:
        raise Conflict("This job is not offered to any resource.", code="invalid_transition")
    return job.resource


def resource_lock(*, resource_id: UUID | str) -> None:
    """Serialise bookings of one resource: its row is locked before "is it free that day?" is
    asked, so two acceptances (or a reassignment) cannot both find it free."""
    Resource.objects.select_for_update().filter(pk=resource_id).values_list("pk").get()


def _move(
    job: Job,
    *,
    target: str,
    actor=None,
    note: str = "",
    location: str = "",
    occurred_at=None,
    **context,
) -> JobEvent:
    """Apply ``target`` to a locked job: the workflow checks it, the status and its history row
    are written, then the workflow's hooks run (same transaction)."""
    JOB.check(current=job.status, target=target)
    before = job.status
    now = timezone.now()
    job.status, job.status_at = target, occurred_at or now
    fields = ["status", "status_at", "updated_at"]
    if target == J.ACCEPTED:
        job.accepted_at = job.status_at
        fields.append("accepted_at")
    elif target == J.COMPLETED:
        job.completed_at = job.status_at
        fields.append("completed_at")
    job.save(update_fields=fields)
    event = JobEvent.objects.create(
        job=job,
        from_status=before,
        to_status=target,
        actor=_actor(actor),
        location=location,
        note=note,
        occurred_at=job.status_at,
    )
    JOB.run_hooks(job, target=target, before=before, actor=_actor(actor), **context)
    return event


# --- Creating ---------------------------------------------------------------------------------


def default_hours(*, service_type: ServiceType, size: Decimal) -> Decimal:
    """size × the type's hours per unit, rounded up to the quarter hour, at least one hour."""
    raw = Decimal(size) * service_type.hours_per_unit
    quarters = (raw / HOURS_STEP).to_integral_value(rounding="ROUND_CEILING")
    return max(Decimal("1.00"), (quarters * HOURS_STEP).quantize(Decimal("0.01")))


@transaction.atomic
def job_create(
    *,
    customer: User,
    service_type: ServiceType,
    site_address: str,
    site_lat: Decimal,
    site_lng: Decimal,
    size: Decimal,
    preferred_date: date,
    estimated_hours: Decimal | None = None,
    currency: str | None = None,
    notes: str = "",
) -> Job:
    """A new job (SENT); matching runs on commit, as a task, and offers it to the nearest
    available resource."""
    if not service_type.is_active:
        raise ApplicationError(f"'{service_type.code}' is not offered at the moment.", attr="service_type")
    if preferred_date < timezone.localdate():
        raise ApplicationError("The preferred date is in the past.", attr="preferred_date")
    currency = (currency or settings.DEFAULT_CURRENCY).upper()
    now = timezone.now()
    job = Job.objects.create(
        customer=customer,
        service_type=service_type,
        site_address=site_address.strip(),
        site_lat=site_lat,
        site_lng=site_lng,
        size=size,
        preferred_date=preferred_date,
        estimated_hours=estimated_hours or default_hours(service_type=service_type, size=size),
        currency=currency,
        notes=notes,
        status=JOB.initial,
        status_at=now,
    )
    JobEvent.objects.create(
        job=job,
        from_status="",
        to_status=job.status,
        actor=_actor(customer),
        note="Job requested.",
        occurred_at=now,
    )
    from .tasks import match_job

    enqueue_on_commit(task=match_job, args=[str(job.pk)])
    activity_record(
        actor=customer,
        action="create",
        entity=job,
        after={"service_type": service_type.code, "preferred_date": preferred_date.isoformat()},
    )
    return job


# --- Matching and offers ---------------------------------------------------------------------


def _offer(job: Job, *, resource: Resource, distance_km: Decimal, actor=None, note: str = "") -> JobOffer:
    """Offer a locked SENT job to ``resource`` (→ RECEIVED). A resource offered this job before
    (declined, expired, withdrawn) gets its offer reopened: staff may assign it again."""
    rank = job.offers.count() + 1
    offer, created = JobOffer.objects.get_or_create(
        job=job, resource=resource, defaults={"rank": rank, "distance_km": distance_km}
    )
    if not created:
        offer.status, offer.responded_at, offer.reason = JobOffer.Status.OFFERED, None, ""
        offer.rank, offer.distance_km = rank, distance_km
        offer.save(update_fields=["status", "responded_at", "reason", "rank", "distance_km", "updated_at"])
    job.resource, job.provider_id, job.distance_km = resource, resource.provider_id, distance_km
    job.needs_attention = False
    job.save(update_fields=["resource", "provider", "distance_km", "needs_attention", "updated_at"])
    _move(
        job,
        target=J.RECEIVED,
        actor=actor,
        note=note or f"Offered to {resource.name} ({distance_km} km away).",
    )
    return offer


def _close_open_offer(job: Job, *, status: str, reason: str = "") -> JobOffer | None:
    offer = job.offers.filter(status=JobOffer.Status.OFFERED).first()
    if offer is not None:
        offer.status, offer.responded_at, offer.reason = status, timezone.now(), reason[:300]
        offer.save(update_fields=["status", "responded_at", "reason", "updated_at"])
    return offer


def _unassign(job: Job) -> None:
    job.resource, job.provider, job.distance_km, job.accepted_at = None, None, None, None
    job.save(update_fields=["resource", "provider", "distance_km", "accepted_at", "updated_at"])


def _offer_next(job: Job, *, actor=None) -> JobOffer | None:
    """Offer a locked SENT job to the best candidate left; none: staff are told (once)."""
    candidates = matching.match_candidates(job, limit=1)
    if not candidates:
        if not job.needs_attention:
            job.needs_attention = True
            job.save(update_fields=["needs_attention", "updated_at"])
            from .hooks import job_unmatched

            job_unmatched(job)
        return None
    best = candidates[0]
    resource = Resource.objects.select_related("provider").get(pk=best.resource_id)
    return _offer(job, resource=resource, distance_km=best.distance_km, actor=actor)


@transaction.atomic
def job_match(*, job: Job, actor: AnyUser | None = None) -> JobOffer | None:
    """Offer a SENT job to the nearest available resource (the open offer of a job already
    offered is returned as it is: running it twice offers once)."""
    job = job_lock(job=job)
    if job.status == J.RECEIVED:
        return job.offers.filter(status=JobOffer.Status.OFFERED).first()
    if job.status != J.SENT:
        raise Conflict(
            f"This job is {job.status}: only a job waiting for a provider is matched.",
            code="invalid_transition",
            extra={"current": job.status, "allowed": list(JOB.allowed_next(job.status))},
        )
    return _offer_next(job, actor=actor)


def roles_on(*, job: Job, user: AnyUser) -> set[str]:
    """The roles ``user`` acts in on this job: staff as staff, its customer as the customer,
    the provider it is offered or assigned to as the provider (a provider-role user has no
    say on other providers' jobs). Anyone else does not see the job: 404."""
    user_id = getattr(user, "pk", None)
    roles = caller_roles(user=user)
    assigned = job.provider is not None and job.provider.user_id == user_id
    if not assigned:
        roles.discard(PROVIDER)
    if job.customer_id == user_id:
        roles.add(CUSTOMER)
    else:
        roles.discard(CUSTOMER)
    if not (roles & {PROVIDER, CUSTOMER} or is_job_staff(user=user)):
        raise NotFound("No such job.")
    return roles


@transaction.atomic
def job_accept(*, job: Job, user: AnyUser, note: str = "", location: str = "") -> Job:
    job = job_lock(job=job)
    JOB.check_request(current=job.status, target=J.ACCEPTED, roles=roles_on(job=job, user=user))
    resource_lock(resource_id=_resource_of(job).pk)
    busy = Job.objects.filter(
        resource=job.resource_id, preferred_date=job.preferred_date, status__in=matching.BOOKED_STATES
    ).exclude(pk=job.pk)
    if busy.exists():
        raise Conflict(
            f"{_resource_of(job).name} is already booked on {job.preferred_date}: decline this job instead.",
            code="resource_booked",
        )
    offer = _close_open_offer(job, status=JobOffer.Status.ACCEPTED)
    if offer is None:  # e.g. reassigned by staff without an offer row: record the acceptance
        JobOffer.objects.update_or_create(
            job=job,
            resource=job.resource,
            defaults={"status": JobOffer.Status.ACCEPTED, "responded_at": timezone.now(),
                      "distance_km": job.distance_km or Decimal("0")},
        )  # fmt: skip
    _move(job, target=J.ACCEPTED, actor=user, location=location, note=note or f"Accepted by {job.provider}.")
    return job


@transaction.atomic
def job_decline(*, job: Job, user: AnyUser, reason: str = "") -> Job:
    """The provider turns the offer down: the job goes to the next candidate (or to staff)."""
    job = job_lock(job=job)
    if PROVIDER not in roles_on(job=job, user=user) and not is_job_staff(user=user):
        raise PermissionDenied(
            "Only the provider the job is offered to (or staff) can decline it.",
            code="transition_not_allowed",
        )
    if job.status != J.RECEIVED:
        raise Conflict(
            f"This job is {job.status}: only an open offer can be declined.",
            code="invalid_transition",
            extra={"current": job.status, "allowed": list(JOB.allowed_next(job.status))},
        )
    _close_open_offer(job, status=JobOffer.Status.DECLINED, reason=reason)
    declined_by = _resource_of(job).name
    _unassign(job)
    _move(
        job, target=J.SENT, actor=user, note=f"Declined by {declined_by}." + (f" {reason}" if reason else "")
    )
    _offer_next(job, actor=None)
    return job


@transaction.atomic
def job_reassign(*, job: Job, resource: Resource, actor: AnyUser | None, note: str = "") -> Job:
    """Staff: give the job to ``resource`` (from SENT, RECEIVED or ACCEPTED): the open or
    accepted offer is withdrawn and the job is offered to the chosen resource."""
    job = job_lock(job=job)
    if job.status not in JOB_CANCELLABLE:
        raise Conflict(
            f"This job is {job.status}: only a job not yet under way can be reassigned.",
            code="invalid_transition",
            extra={"current": job.status, "allowed": list(JOB.allowed_next(job.status))},
        )
    if resource.pk == job.resource_id and job.status != J.SENT:
        raise Conflict("The job is already with this resource.", code="already_assigned")
    if not resource.is_active or not resource.capabilities.filter(pk=job.service_type_id).exists():
        raise ApplicationError(f"{resource.name} cannot do {job.service_type.name}.", attr="resource")
    resource_lock(resource_id=resource.pk)
    if resource.currency != job.currency:
        raise ApplicationError(
            f"{resource.name} charges in {resource.currency}; this job is in {job.currency}.", attr="resource"
        )
    available = matching.available_resources(
        service_type_id=job.service_type_id, currency=job.currency, on=job.preferred_date
    )
    if not available.filter(pk=resource.pk).exists():
        raise Conflict(
            f"{resource.name} is not available on {job.preferred_date} (blocked or booked).",
            code="resource_unavailable",
        )
    _close_open_offer(job, status=JobOffer.Status.WITHDRAWN, reason="reassigned by staff")
    if job.status == J.ACCEPTED:
        job.offers.filter(status=JobOffer.Status.ACCEPTED).update(
            status=JobOffer.Status.WITHDRAWN, reason="reassigned by staff", updated_at=timezone.now()
        )
        from .hooks import job_taken_back

        job_taken_back(job)  # the provider who had it, and the customer, are told
        _unassign(job)
        distance = matching.distance_to(job, resource)
        JobOffer.objects.update_or_create(
            job=job, resource=resource,
            defaults={"status": JobOffer.Status.OFFERED, "responded_at": None, "reason": "",
                      "distance_km": distance, "rank": job.offers.count() + 1},
        )  # fmt: skip
        job.resource, job.provider_id, job.distance_km = resource, resource.provider_id, distance
        job.save(update_fields=["resource", "provider", "distance_km", "updated_at"])
        _move(job, target=J.RECEIVED, actor=actor, note=note or f"Reassigned to {resource.name}.")
    else:
        if job.status == J.RECEIVED:
            _unassign(job)
            _move(job, target=J.SENT, actor=actor, note="Offer withdrawn: reassigning.")
        _offer(
            job,
            resource=resource,
            distance_km=matching.distance_to(job, resource),
            actor=actor,
            note=note or f"Assigned to {resource.name} by staff.",
        )
    activity_record(
        actor=actor, action="reassign", entity=job, after={"resource": str(resource.pk)}, only_changes=False
    )
    return job


@transaction.atomic
def job_expire_offer(*, job: Job) -> bool:
    """An offer left unanswered past JOB_OFFER_TTL_HOURS goes to the next candidate."""
    job = job_lock(job=job)
    deadline = timezone.now() - timedelta(hours=settings.JOB_OFFER_TTL_HOURS)
    offer = job.offers.filter(
        status=JobOffer.Status.OFFERED, created_at__lt=deadline, updated_at__lt=deadline
    ).first()
    if job.status != J.RECEIVED or offer is None:
        return False
    _close_open_offer(job, status=JobOffer.Status.EXPIRED, reason="no answer in time")
    name = _resource_of(job).name
    _unassign(job)
    _move(job, target=J.SENT, note=f"{name} did not answer in {settings.JOB_OFFER_TTL_HOURS:g} h.")
    _offer_next(job)
    return True


# --- The work -------------------------------------------------------------------------------


@transaction.atomic
def job_cancel(*, job: Job, user: AnyUser, reason: str = "", location: str = "") -> Job:
    """The customer who asked, or staff, from SENT, RECEIVED or ACCEPTED. A payment already
    taken is refunded in full."""
    job = job_lock(job=job)
    JOB.check_request(current=job.status, target=J.CANCELLED, roles=roles_on(job=job, user=user))
    _close_open_offer(job, status=JobOffer.Status.WITHDRAWN, reason="job cancelled")
    _move(job, target=J.CANCELLED, actor=user, location=location, note=reason or "Cancelled.")
    for payment in job_payments(job_id=job.pk).filter(status=Payment.Status.SUCCEEDED).select_for_update():
        orders.refund_create(
            payment=payment, amount=payment.amount_captured, reason="job cancelled", actor=_actor(user)
        )
    return job


@transaction.atomic
def job_status_change(*, job: Job, user: AnyUser, status: str, location: str = "", note: str = "") -> Job:
    """``POST /jobs/{id}/status``: the workflow decides (409 with the allowed next states);
    the provider the job is offered or assigned to moves the work on, its customer or staff
    cancel it."""
    if status not in J.values:
        raise ApplicationError(f"'{status}' is not a job status.", attr="status")
    if status == J.ACCEPTED:
        return job_accept(job=job, user=user, note=note, location=location)
    if status == J.CANCELLED:
        return job_cancel(job=job, user=user, reason=note, location=location)
    job = job_lock(job=job)
    JOB.check_request(current=job.status, target=status, roles=roles_on(job=job, user=user))
    _move(job, target=status, actor=user, location=location, note=note)
    return job


def job_flag(*, job: Job, reason: str) -> None:
    """Something needs staff's eyes (a payment dispute, an amount mismatch)."""
    job = job_lock(job=job)
    job.needs_attention = True
    job.notes = (job.notes + "\n" if job.notes else "") + reason
    job.save(update_fields=["needs_attention", "notes", "updated_at"])
    activity_record(actor=None, action="flag", entity=job, after={"reason": reason}, only_changes=False)


# --- Estimate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    currency: str
    basis: str  # "assigned" (accepted), "offered" (the open offer), "best_candidate"
    resource_id: object
    resource_name: str
    estimated_hours: Decimal
    rate_per_hour: Decimal
    labour: Decimal
    distance_km: Decimal
    travel_fee_per_km: Decimal
    travel_fee: Decimal
    total: Decimal


def estimate_compute(
    *, currency: str, hours: Decimal, rate_per_hour: Decimal, distance_km: Decimal, fee_per_km: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """(labour, travel fee, total), each rounded to the currency's minor unit, half up; the
    total is the sum of the two rounded parts, so the parts shown add up."""
    labour = money_round(Decimal(rate_per_hour) * Decimal(hours), currency)
    travel = money_round(Decimal(fee_per_km) * Decimal(distance_km), currency)
    return labour, travel, labour + travel


def job_estimate(*, job: Job) -> Estimate:
    """``rate_per_hour × estimated_hours + travel_fee_per_km × distance_km`` for the resource the
    job is with; before one is, for the best candidate (without offering it)."""
    if job.resource is not None:
        resource = job.resource
        basis = "assigned" if job.status not in (J.SENT, J.RECEIVED) else "offered"
        distance = job.distance_km if job.distance_km is not None else matching.distance_to(job, resource)
        rate, fee, name, resource_id = (
            resource.rate_per_hour,
            resource.travel_fee_per_km,
            resource.name,
            resource.pk,
        )
    else:
        if job.status in (J.CANCELLED, J.COMPLETED):
            raise Conflict(f"This job is {job.status}: there is nothing to estimate.", code="no_estimate")
        candidates = matching.match_candidates(job, limit=1)
        if not candidates:
            raise Conflict(
                "No provider can take this job at the moment, so there is no estimate yet.",
                code="no_candidate",
            )
        best = candidates[0]
        basis, distance = "best_candidate", best.distance_km
        rate, fee, name, resource_id = best.rate_per_hour, best.travel_fee_per_km, best.name, best.resource_id
    labour, travel, total = estimate_compute(
        currency=job.currency,
        hours=job.estimated_hours,
        rate_per_hour=rate,
        distance_km=distance,
        fee_per_km=fee,
    )
    return Estimate(
        currency=job.currency,
        basis=basis,
        resource_id=resource_id,
        resource_name=name,
        estimated_hours=job.estimated_hours,
        rate_per_hour=rate,
        labour=labour,
        distance_km=distance,
        travel_fee_per_km=fee,
        travel_fee=travel,
        total=total,
    )


# --- Payment ----------------------------------------------------------------------------------


def job_reference(*, job: Job) -> str:
    return f"JOB-{job.pk.hex[:10].upper()}"


@transaction.atomic
def job_payment_intent(*, job: Job, user: AnyUser) -> Payment:
    """The job's customer pays the estimate once the job is accepted, through the provider of
    the job's currency (Stripe, Paystack, offline), confirmed by the same webhooks as orders.
    Idempotent: while a payment for the same amount is pending it is returned again."""
    job = job_lock(job=job)
    if job.customer_id != getattr(user, "pk", None) and not is_job_staff(user=user):
        raise NotFound("No such job.")
    payments = job_payments(job_id=job.pk)
    if job.paid_at is not None or payments.filter(status=Payment.Status.SUCCEEDED).exists():
        raise Conflict("This job is paid already.", code="already_paid")
    if job.status not in PAYABLE_STATES:
        raise Conflict(
            f"This job is {job.status}: it is paid once a provider has accepted it.", code="not_payable"
        )
    estimate = job_estimate(job=job)
    pending = payments.filter(status=Payment.Status.PENDING).order_by("-created_at")
    for payment in pending:
        if payment.amount == estimate.total and payment.currency == estimate.currency:
            return payment
    attempt = payments.count() + 1
    provider = provider_for(job.currency)
    charge = Charge(
        reference=f"{job_reference(job=job)}-{attempt}",
        amount=estimate.total,
        currency=job.currency,
        email=job.customer.email,
        description=f"{job.service_type.name} on {job.preferred_date} ({job_reference(job=job)})",
        metadata={"job_id": str(job.pk), "job_reference": job_reference(job=job)},
    )
    created = provider.create_payment(charge=charge, idempotency_key=f"job-{job.pk}-payment-{attempt}")
    return Payment.objects.create(
        subject_type=JOB_SUBJECT,
        subject_id=job.pk,
        provider=provider.name,
        reference=created.reference,
        client_secret=created.client_secret,
        amount=estimate.total,
        currency=job.currency,
        status=created.status,
    )


@transaction.atomic
def job_payment_succeeded(*, payment_id: UUID | str, source: str) -> str:
    """A job's payment succeeded (orders' ``payment_succeeded`` event, after the payment's
    transaction committed with the amount checked): the job is marked paid once; paid after it
    was cancelled, what is left of the money goes back; a second payment is flagged. The job is
    locked before the payment, as ``job_cancel`` does."""
    job_id = all_job_payments().filter(pk=payment_id).values_list("subject_id", flat=True).first()
    if job_id is None:
        return "not a job's payment"
    job = job_lock(job=Job(pk=job_id))
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if job.status == J.CANCELLED:
        remaining = payment.amount_captured - payment.amount_refunded
        if remaining > 0:
            orders.refund_create(
                payment=payment,
                amount=remaining,
                reason=f"paid after the job was cancelled ({source})",
            )
        job_flag(
            job=job, reason=f"{source}: payment {payment.reference} succeeded after cancellation; refunded."
        )
        return "job was cancelled: refunded"
    if job.paid_at is None:
        job.paid_at = payment.succeeded_at
        job.save(update_fields=["paid_at", "updated_at"])
        from .hooks import job_paid

        job_paid(job, payment)
        return "job paid"
    if job.paid_at == payment.succeeded_at:
        return "already applied"
    job_flag(job=job, reason=f"{source}: a second payment {payment.reference} succeeded.")
    return "job already paid: flagged"


# A payment's event reaches this app right after the payment commits; a payment older than this
# whose job has still not heard of it lost its event (the process stopped in between).
MISSED_PAYMENT_GRACE = timedelta(minutes=5)


def job_payments_missed() -> list:
    """The ids of job payments whose ``payment_succeeded`` event was lost: succeeded at least
    ``MISSED_PAYMENT_GRACE`` ago, and their job neither paid nor (cancelled since) refunded."""
    cutoff = timezone.now() - MISSED_PAYMENT_GRACE
    succeeded = all_job_payments().filter(
        succeeded_at__isnull=False, succeeded_at__lte=cutoff, amount_captured__gt=0
    )
    cancelled = Job.objects.filter(status=J.CANCELLED).values("pk")
    unpaid_jobs = Job.objects.filter(paid_at__isnull=True).exclude(status=J.CANCELLED).values("pk")
    unpaid = succeeded.filter(subject_id__in=unpaid_jobs)
    unrefunded = succeeded.filter(subject_id__in=cancelled, amount_refunded=0).exclude(refunds__isnull=False)
    return sorted({*unpaid.values_list("pk", flat=True), *unrefunded.values_list("pk", flat=True)}, key=str)


def job_payments_apply_missed() -> dict[str, int]:
    """The safety net of the after-commit events: apply each missed job payment as its event
    would have (``job_payment_succeeded`` is idempotent), each in its own transaction."""
    counts: dict[str, int] = {}
    for payment_id in job_payments_missed():  # job_payment_succeeded is atomic: one at a time
        outcome = job_payment_succeeded(payment_id=payment_id, source="missed-event sweep")
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@transaction.atomic
def job_payment_flag(*, payment_id: UUID | str, reason: str) -> None:
    """orders' ``payment_needs_review`` and ``payment_disputed`` events: a job's payment needs
    staff's eyes, so does its job."""
    job_id = all_job_payments().filter(pk=payment_id).values_list("subject_id", flat=True).first()
    job = Job.objects.filter(pk=job_id).first() if job_id is not None else None
    if job is not None:
        job_flag(job=job, reason=reason)
