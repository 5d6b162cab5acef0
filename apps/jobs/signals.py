"""A job with payments is never deleted: its payments (``orders``) name it as their subject by
reference, not by a foreign key the database would protect, so the jobs app refuses the delete
itself, before any row goes (``ProtectedError``, as a protecting foreign key would raise)."""

from __future__ import annotations

from django.db.models import ProtectedError
from django.db.models.signals import pre_delete

from apps.orders import api as orders

from .models import Job
from .payments import JOB_SUBJECT


def refuse_deleting_paid_job(sender, instance: Job, **kwargs) -> None:
    payments = orders.payments_for(subject_type=JOB_SUBJECT, subject_id=instance.pk)
    if payments.exists():
        raise ProtectedError(
            f"Cannot delete the job {instance.pk}: it has payments, which keep it as their subject.",
            set(payments),
        )


def connect() -> None:
    pre_delete.connect(refuse_deleting_paid_job, sender=Job, dispatch_uid="jobs.refuse_deleting_paid_job")
