"""A job's payments: orders' payments whose subject is the job (``orders.api.payments_for``),
found by reference, as orders imports nothing of this app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from apps.orders import api as orders
from apps.orders.api import Payment

JOB_SUBJECT = orders.JOB_SUBJECT  # "jobs.job", the label of ``models.Job``


def job_payments(*, job_id: UUID | str) -> QuerySet[Payment]:
    """The payments of one job."""
    return orders.payments_for(subject_type=JOB_SUBJECT, subject_id=job_id)


def all_job_payments() -> QuerySet[Payment]:
    """The payments of every job."""
    return orders.payments_for(subject_type=JOB_SUBJECT)
