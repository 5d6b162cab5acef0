"""The jobs admin: jobs with their history, offers and map link, providers, resources with their
availability calendar, and the reassign action, which goes through the job services."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("logistics", is_staff=True))
    return client


def test_job_pages_render_with_history_offers_and_map_link(staff_client):
    from apps.jobs import services as jobs
    from apps.jobs.models import ResourceBlock

    from .job_factories import job_for, resource

    res = resource(name="Tractor A", km_north=5)
    ResourceBlock.objects.create(
        resource=res, start_date="2027-01-01", end_date="2027-01-03", reason="Service"
    )
    job = job_for()
    jobs.job_match(job=job)
    for url in (
        reverse("admin:jobs_job_changelist"),
        reverse("admin:jobs_job_change", args=[job.pk]),
        reverse("admin:jobs_servicetype_changelist"),
        reverse("admin:jobs_serviceprovider_changelist"),
        reverse("admin:jobs_serviceprovider_change", args=[res.provider.pk]),
        reverse("admin:jobs_resource_changelist"),
        reverse("admin:jobs_resource_change", args=[res.pk]),
    ):
        assert staff_client.get(url).status_code == 200, url
    page = staff_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "Offered to Tractor A" in page  # the history inline
    assert "openstreetmap.org/?mlat=9.000000&amp;mlon=7.000000" in page  # the site's map link
    assert "ACCEPTED" in page  # allowed next
    resource_page = staff_client.get(reverse("admin:jobs_resource_change", args=[res.pk])).content.decode()
    assert "2027-01-01" in resource_page and "Service" in resource_page  # the availability calendar


def test_reassign_action_moves_an_accepted_job_to_another_resource(staff_client):
    from apps.jobs import services as jobs
    from apps.jobs.models import Job, JobOffer

    from .job_factories import job_for, resource

    first = resource(name="Near", km_north=5)
    second = resource(name="Far", km_north=30)
    wrong = resource(name="Sprayer", km_north=2, capabilities=("spraying",))
    job = job_for()
    jobs.job_match(job=job)
    jobs.job_accept(job=job, user=first.provider.user)
    url = reverse("admin:jobs_job_changelist")
    form = staff_client.post(url, {"action": "reassign", "_selected_action": [job.pk]})
    assert form.status_code == 200 and b'name="resource"' in form.content
    refused = staff_client.post(
        url,
        {"action": "reassign", "_selected_action": [job.pk], "apply": "1", "resource": wrong.pk},
        follow=True,
    )
    assert b"cannot do Ploughing" in refused.content
    assert Job.objects.get(pk=job.pk).resource == first
    done = staff_client.post(
        url,
        {
            "action": "reassign",
            "_selected_action": [job.pk],
            "apply": "1",
            "resource": second.pk,
            "note": "swap",
        },
        follow=True,
    )
    assert b"Reassigned 1 job" in done.content
    job.refresh_from_db()
    assert (job.status, job.resource, job.provider) == ("RECEIVED", second, second.provider)
    assert job.offers.get(resource=first).status == JobOffer.Status.WITHDRAWN
    assert job.offers.get(resource=second).status == JobOffer.Status.OFFERED
    assert list(job.events.values_list("to_status", "note"))[-1] == ("RECEIVED", "swap")
