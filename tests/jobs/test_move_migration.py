"""orders 0007, tracking 0003 and jobs 0001: service jobs move from the tracking app to the jobs
app on a database that has them. From the schema before the move, with rows in every moved
table, a job's and an order's payments, grants on the job models and what names a job by its
content type or label, migrating to the leaves keeps every row, link and reference, reachable
through the jobs app's models (PostgreSQL: the production database)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.postgres

# The leaves of the apps involved, before the move and after it; every other app at its leaf.
BEFORE = [("tracking", "0002_jobs"), ("orders", "0006_webhook_event_rejected")]
AFTER = [("jobs", "0001_initial"), ("tracking", "0003_jobs_move_out"), ("orders", "0007_payment_subject")]
MOVED = ["servicetype", "serviceprovider", "resource", "resourceblock", "job", "joboffer", "jobevent"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    moved = {app for app, _ in BEFORE + AFTER}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved]
    executor.migrate(targets)
    return executor.loader.project_state([*others, *targets]).apps


def _seed(old) -> dict:
    """Rows of every kind the move touches, written with the models as they were."""
    User = old.get_model("accounts", "User")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    Group = old.get_model("auth", "Group")
    now = timezone.now()
    customer = User.objects.create(email="farmer@example.com", password="!")
    owner = User.objects.create(email="owner@example.com", password="!")

    ServiceType = old.get_model("tracking", "ServiceType")
    ploughing = ServiceType.objects.create(code="ploughing", name="Ploughing", hours_per_unit=Decimal("1.50"))
    harrowing = ServiceType.objects.create(code="harrowing", name="Harrowing")
    provider = old.get_model("tracking", "ServiceProvider").objects.create(user=owner, business_name="Agro")
    resource = old.get_model("tracking", "Resource").objects.create(
        provider=provider, name="Tractor", rate_per_hour=Decimal("100.00"), currency="USD",
        base_lat=Decimal("9.000000"), base_lng=Decimal("7.000000"),
    )  # fmt: skip
    resource.capabilities.set([ploughing, harrowing])
    block = old.get_model("tracking", "ResourceBlock").objects.create(
        resource=resource, start_date=date(2027, 1, 1), end_date=date(2027, 1, 3), reason="Service"
    )
    job = old.get_model("tracking", "Job").objects.create(
        customer=customer, service_type=ploughing, site_address="Farm", site_lat=Decimal("9.100000"),
        site_lng=Decimal("7.100000"), size=Decimal("4.00"), preferred_date=date(2027, 2, 1),
        estimated_hours=Decimal("6.00"), currency="USD", status="ACCEPTED", status_at=now,
        resource=resource, provider=provider, distance_km=Decimal("15.70"), accepted_at=now,
    )  # fmt: skip
    offer = old.get_model("tracking", "JobOffer").objects.create(
        job=job, resource=resource, distance_km=Decimal("15.70"), status="accepted", responded_at=now
    )
    JobEvent = old.get_model("tracking", "JobEvent")
    events = [
        JobEvent.objects.create(job=job, from_status=a, to_status=b, actor=owner, occurred_at=now)
        for a, b in (("", "SENT"), ("SENT", "RECEIVED"), ("RECEIVED", "ACCEPTED"))
    ]

    Order = old.get_model("orders", "Order")
    order = Order.objects.create(
        number="FD-MOVE-1", sequence=990001, email="farmer@example.com", status="paid", currency="USD",
        subtotal=Decimal("10.00"), total=Decimal("10.00"), shipping_address={}, billing_address={},
    )  # fmt: skip
    Payment = old.get_model("orders", "Payment")
    common = {"provider": "offline", "currency": "USD", "status": "succeeded", "succeeded_at": now}
    job_payment = Payment.objects.create(
        job=job, reference="pi_job", amount=Decimal("600.00"), amount_captured=Decimal("600.00"), **common
    )
    order_payment = Payment.objects.create(
        order=order, reference="pi_order", amount=Decimal("10.00"), amount_captured=Decimal("10.00"), **common
    )

    # What names the job models by content type: permissions and a group's grants, an email's
    # related object, the admin's log; by label: the activity log.
    job_type = ContentType.objects.get(app_label="tracking", model="job")
    assert not ContentType.objects.filter(app_label="jobs").exists()
    view_job = Permission.objects.get(content_type=job_type, codename="view_job")
    dispatch = Group.objects.create(name="dispatch")
    dispatch.permissions.add(view_job, Permission.objects.get(codename="change_joboffer"))
    old.get_model("notifications", "EmailMessage").objects.create(
        to=["farmer@example.com"], from_email="noreply@example.com", subject="Accepted", body_text="Hi",
        related_content_type=job_type, related_object_id=str(job.pk), next_attempt_at=now,
    )  # fmt: skip
    old.get_model("admin", "LogEntry").objects.create(
        user=owner, content_type=job_type, object_id=str(job.pk), object_repr="job", action_flag=2,
        change_message="[]",
    )  # fmt: skip
    old.get_model("core", "ActivityLog").objects.create(
        action="reassign", entity_type="tracking.job", entity_id=str(job.pk), entity_repr="job"
    )

    # A `jobs` content type made before the move (e.g. by an earlier run of the app): its
    # permission's grant joins the old row's, its object's references move to the old row.
    offer_type = ContentType.objects.get(app_label="tracking", model="joboffer")
    early = ContentType.objects.create(app_label="jobs", model="joboffer")
    early_view = Permission.objects.create(content_type=early, codename="view_joboffer", name="Can view")
    early_only = Permission.objects.create(content_type=early, codename="audit_joboffer", name="Can audit")
    early_group = Group.objects.create(name="early")
    early_group.permissions.add(early_view, early_only)
    old.get_model("admin", "LogEntry").objects.create(
        user=owner, content_type=early, object_id=str(offer.pk), object_repr="offer", action_flag=2,
        change_message="[]",
    )  # fmt: skip
    return {
        "types": {m: ContentType.objects.get(app_label="tracking", model=m).pk for m in MOVED},
        "job": job.pk, "resource": resource.pk, "provider": provider.pk, "offer": offer.pk,
        "block": block.pk, "events": [e.pk for e in events], "types_codes": {ploughing.pk, harrowing.pk},
        "job_payment": job_payment.pk, "order_payment": order_payment.pk, "order": order.pk,
        "view_job": view_job.pk, "offer_type": offer_type.pk,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_moving_jobs_to_their_app_keeps_every_row_link_payment_and_grant():
    old = _migrate(BEFORE)
    seeded = _seed(old)

    new = _migrate(AFTER)
    Job = new.get_model("jobs", "Job")
    job = Job.objects.get(pk=seeded["job"])
    assert (job.status, job.resource_id, job.provider_id, job.service_type.code) == (
        "ACCEPTED", seeded["resource"], seeded["provider"], "ploughing",
    )  # fmt: skip
    assert job.customer.email == "farmer@example.com"
    assert job.distance_km == Decimal("15.70") and job.estimated_hours == Decimal("6.00")
    resource = new.get_model("jobs", "Resource").objects.get(pk=seeded["resource"])
    assert set(resource.capabilities.values_list("pk", flat=True)) == seeded["types_codes"]  # the M2M
    assert resource.provider.business_name == "Agro" and resource.provider.user.email == "owner@example.com"
    assert list(resource.blocks.values_list("pk", "reason")) == [(seeded["block"], "Service")]
    assert list(job.offers.values_list("pk", "status")) == [(seeded["offer"], "accepted")]
    assert list(job.events.order_by("pk").values_list("pk", flat=True)) == seeded["events"]
    assert [e.to_status for e in job.events.order_by("pk")] == ["SENT", "RECEIVED", "ACCEPTED"]
    assert new.get_model("jobs", "ServiceType").objects.count() == 2
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    assert {f"jobs_{m}" for m in MOVED} | {"jobs_resource_capabilities"} <= tables
    assert not {t for t in tables if t.startswith("tracking_") and t[9:] in (*MOVED, "resource_capabilities")}

    # Payments: the job's names the job as its subject; the order's is still the order's.
    Payment = new.get_model("orders", "Payment")
    paid = Payment.objects.get(pk=seeded["job_payment"])
    assert (paid.subject_type, paid.subject_id, paid.order_id) == ("jobs.job", job.pk, None)
    assert paid.amount_captured == Decimal("600.00")
    order_paid = Payment.objects.get(pk=seeded["order_payment"])
    assert (order_paid.subject_type, order_paid.subject_id, order_paid.order_id) == (
        "",
        None,
        seeded["order"],
    )

    # Content types: renamed in place (same ids), so what pointed at them points at the moved models.
    ContentType = new.get_model("contenttypes", "ContentType")
    assert not ContentType.objects.filter(app_label="tracking", model__in=MOVED).exists()
    assert {m: ContentType.objects.get(app_label="jobs", model=m).pk for m in MOVED} == seeded["types"]
    Permission = new.get_model("auth", "Permission")
    view_job = Permission.objects.get(content_type__app_label="jobs", codename="view_job")
    assert view_job.pk == seeded["view_job"]
    dispatch = new.get_model("auth", "Group").objects.get(name="dispatch")
    assert set(dispatch.permissions.values_list("content_type__app_label", "codename")) == {
        ("jobs", "view_job"), ("jobs", "change_joboffer"),
    }  # fmt: skip
    email = new.get_model("notifications", "EmailMessage").objects.get(subject="Accepted")
    assert (email.related_content_type.app_label, email.related_content_type.model) == ("jobs", "job")
    assert email.related_object_id == str(job.pk)
    LogEntry = new.get_model("admin", "LogEntry")
    assert LogEntry.objects.get(object_repr="job").content_type.app_label == "jobs"
    activity = new.get_model("core", "ActivityLog").objects.get(action="reassign")
    assert (activity.entity_type, activity.entity_id) == ("jobs.job", str(job.pk))

    # The `jobs` row made early is merged into the renamed one: one row, both grants, its log.
    assert ContentType.objects.filter(model="joboffer").count() == 1
    assert ContentType.objects.get(model="joboffer").pk == seeded["offer_type"]
    early = new.get_model("auth", "Group").objects.get(name="early")
    assert set(early.permissions.values_list("content_type_id", "codename")) == {
        (seeded["offer_type"], "view_joboffer"), (seeded["offer_type"], "audit_joboffer"),
    }  # fmt: skip
    assert (
        Permission.objects.filter(content_type_id=seeded["offer_type"], codename="view_joboffer").count() == 1
    )
    assert LogEntry.objects.get(object_repr="offer").content_type_id == seeded["offer_type"]

    # The models the code uses read the same rows.
    from apps.jobs.models import Job as LiveJob
    from apps.jobs.payments import job_payments

    live = LiveJob.objects.get(pk=seeded["job"])
    assert [p.pk for p in job_payments(job_id=live.pk)] == [seeded["job_payment"]]
    assert live.offers.count() == 1 and live.events.count() == 3

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
