"""A payment's "what it pays for", when not an order, becomes a reference orders owns
(``subject_type``, ``subject_id``) instead of a foreign key to the service job: a job's payments
keep their job as subject "jobs.job" (the job models move to the jobs app next, tracking 0003)."""

from django.db import migrations, models

JOB_SUBJECT = "jobs.job"


def job_to_subject(apps, schema_editor):
    Payment = apps.get_model("orders", "Payment")
    Payment.objects.filter(job__isnull=False).update(subject_type=JOB_SUBJECT, subject_id=models.F("job_id"))


def subject_to_job(apps, schema_editor):
    Payment = apps.get_model("orders", "Payment")
    Payment.objects.filter(subject_type=JOB_SUBJECT).update(job_id=models.F("subject_id"))


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0006_webhook_event_rejected"),
        ("tracking", "0002_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="subject_type",
            field=models.CharField(
                blank=True,
                default="",
                help_text='What the payment pays for when not an order: "<app_label>.<model>", e.g. "jobs.job".',
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="subject_id",
            field=models.UUIDField(blank=True, help_text="The id of what it pays for (not an order).", null=True),
        ),
        migrations.RemoveConstraint(model_name="payment", name="payment_for_order_or_job"),
        migrations.RunPython(job_to_subject, subject_to_job),
        migrations.RemoveField(model_name="payment", name="job"),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("order__isnull", False), ("subject_id__isnull", True), ("subject_type", "")),
                    models.Q(
                        ("order__isnull", True),
                        ("subject_id__isnull", False),
                        models.Q(("subject_type", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="payment_for_order_or_subject",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["subject_type", "subject_id"], name="payment_subject"),
        ),
    ]
