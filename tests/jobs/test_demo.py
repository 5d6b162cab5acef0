"""Demo service jobs: jobs in every state of the job workflow; seeding twice changes nothing."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.jobs import demo as jobs_demo
from apps.jobs.payments import job_payments
from apps.orders import demo as orders_demo
from apps.tracking import demo as tracking_demo

pytestmark = pytest.mark.django_db


def test_demo_jobs_seeded_once_in_every_state():
    from apps.jobs.models import Job, JobOffer, Resource, ServiceProvider
    from apps.jobs.workflows import JOB

    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo, tracking_demo, jobs_demo):
        module.seed()
    assert ServiceProvider.objects.count() == 2
    assert all(p.resources.exists() for p in ServiceProvider.objects.all())
    assert Resource.objects.filter(blocks__isnull=False).exists()  # an availability calendar
    states = sorted(Job.objects.values_list("service_type__code", "status"))
    assert states == sorted(
        [
            ("ploughing", "RECEIVED"),
            ("harrowing", "ACCEPTED"),
            ("haulage", "IN_PROGRESS"),
            ("planting", "COMPLETED"),
            ("spraying", "CANCELLED"),
            ("ploughing", "SENT"),
            ("planting", "EN_ROUTE"),
            ("ploughing", "ARRIVED"),
            ("haulage", "WORK_STARTED"),
        ]
    )
    assert Job.objects.filter(status="ACCEPTED").values_list("provider__business_name", flat=True).get() == (
        "Plateau Tractor Hire"
    )
    completed = Job.objects.get(status="COMPLETED")
    assert completed.paid_at is not None and job_payments(job_id=completed.pk).get().status == "succeeded"
    # The first offer went unanswered and expired, the next was declined: no one left, staff alerted.
    waiting = Job.objects.get(status="SENT")
    assert list(waiting.offers.order_by("rank").values_list("status", flat=True)) == ["expired", "declined"]
    assert waiting.needs_attention and waiting.provider_id is None
    assert set(JobOffer.objects.values_list("status", flat=True)) == set(JobOffer.Status.values)
    for job in Job.objects.all():  # every history walks the workflow, one step at a time
        steps = list(job.events.values_list("from_status", "to_status"))
        assert steps[0] == ("", "SENT") and steps[-1][1] == job.status
        assert all((a, b) in JOB.pairs() for a, b in steps[1:])
    jobs_demo.seed()
    assert Job.objects.count() == 9 and Resource.objects.count() == 5
