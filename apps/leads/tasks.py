import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from .services import imports, inquiries, rules

logger = logging.getLogger(__name__)


@shared_task(
    name="leads.rescore_open_inquiries",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    time_limit=60 * 30,
    soft_time_limit=60 * 28,
)
def rescore_open_inquiries() -> dict:
    """After a scoring rule changes: rescore every open inquiry, in batches (each batch reads
    the rules afresh, so overlapping runs end with the newest rules applied)."""
    rules.rescore_started()
    result = rules.inquiries_rescore()
    logger.info("rescored open inquiries: %(seen)s seen, %(changed)s changed", result)
    return result


@shared_task(name="leads.rescore_open_inquiries_nightly")
def rescore_open_inquiries_nightly() -> dict:
    """Nightly (beat): a safety net that rescores the open inquiries even if a rescoring task
    was lost; cheap (100,000 inquiries in about 20 s), and writes only the scores that changed."""
    return rules.inquiries_rescore()


@shared_task(name="leads.remind_stale_inquiries")
def remind_stale_inquiries() -> int:
    """Hourly (beat): inquiries still new after LEADS_STALE_HOURS get one reminder each."""
    count = inquiries.stale_inquiries_remind()
    if count:
        logger.info("reminded sales of %s inquiry(ies) still new", count)
    return count


@shared_task(name="leads.requeue_stale_imports")
def requeue_stale_imports() -> int:
    """Every 10 minutes (beat): contact imports whose task was lost are queued again."""
    count = imports.import_jobs_requeue_stale()
    if count:
        logger.warning("re-queued %s stale contact import job(s)", count)
    return count


@shared_task(
    name="leads.run_contact_import",
    time_limit=settings.LEADS_IMPORT_TASK_TIME_LIMIT,
    soft_time_limit=settings.LEADS_IMPORT_TASK_TIME_LIMIT - 60,
)
def run_contact_import(job_id: str) -> str | None:
    """A queued contact import (files above LEADS_IMPORT_SYNC_MAX_ROWS rows). Runs once: a job
    already done, failed or running elsewhere is left alone."""
    job = imports.import_job_run(job_id=job_id)
    return job.status if job is not None else None
