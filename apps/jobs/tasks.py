"""Service-job tasks: matching a new job (enqueued when it is created), the beat jobs that
move unanswered offers on and apply job payments whose event was lost.

The tasks were named ``tracking.*`` while jobs lived in the tracking app: those names stay
registered as aliases that run the same task, so messages queued under them before an upgrade
still run (to be removed in the next release; see CHANGELOG.md)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)


@shared_task(name="jobs.match_job", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_job(job_id: str) -> str:
    """Offer a new job to the nearest available resource (``jobs.job_match``; idempotent: a
    job already offered keeps its offer)."""
    from .models import Job
    from .services import job_match

    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    try:
        offer = job_match(job=job)
    except ApplicationError as exc:  # e.g. cancelled before the task ran
        return f"not matched: {exc.detail}"
    return f"offered to {offer.resource_id}" if offer else "no candidate: staff alerted"


@shared_task(
    name="jobs.apply_missed_job_payments",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def apply_missed_job_payments() -> dict:
    """Every 10 minutes: a job payment whose ``payment_succeeded`` event was lost (the process
    stopped between the payment's commit and the event) is applied now (``jobs``)."""
    from .services import job_payments_apply_missed

    counts = job_payments_apply_missed()
    if counts:
        logger.warning("applied job payments whose event was lost: %s", counts)
    return counts


@shared_task(
    name="jobs.expire_job_offers", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def expire_job_offers() -> dict:
    """Every 15 minutes: offers unanswered for JOB_OFFER_TTL_HOURS go to the next candidate,
    and SENT jobs with no open offer and no staff alert (a lost match task) are matched again.
    Each job is handled in its own transaction with the job locked, so two beats running at
    once (or a provider answering meanwhile) cannot move a job twice."""
    from .models import Job, JobOffer
    from .services import job_expire_offer, job_match

    now = timezone.now()
    deadline = now - timedelta(hours=settings.JOB_OFFER_TTL_HOURS)
    stale = Job.objects.filter(
        status=Job.Status.RECEIVED,
        offers__status=JobOffer.Status.OFFERED,
        offers__updated_at__lt=deadline,
    ).values_list("pk", flat=True)
    expired = sum(job_expire_offer(job=Job(pk=pk)) for pk in stale.distinct()[:1000])
    lost = Job.objects.filter(
        status=Job.Status.SENT, needs_attention=False, updated_at__lt=now - timedelta(minutes=5)
    ).values_list("pk", flat=True)
    rematched = 0
    for pk in lost[:1000]:
        try:
            rematched += job_match(job=Job(pk=pk)) is not None
        except ApplicationError:
            continue
    return {"expired": expired, "rematched": rematched}


# The former names (``tracking.*``), for messages queued before the jobs app existed.


@shared_task(name="tracking.match_job", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_job_former_name(job_id: str) -> str:
    return match_job(job_id)


@shared_task(
    name="tracking.apply_missed_job_payments",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def apply_missed_job_payments_former_name() -> dict:
    return apply_missed_job_payments()


@shared_task(
    name="tracking.expire_job_offers", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def expire_job_offers_former_name() -> dict:
    return expire_job_offers()
