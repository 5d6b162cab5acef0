"""Async reports: a dataset export written by a worker to storage (local disk or S3)."""

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class Report(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    dataset = models.CharField(max_length=40)
    filters = models.JSONField(default=dict, blank=True, help_text="The list endpoint's filters, as given.")
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.CSV)
    compress = models.BooleanField(default=False, help_text="gzip the file (.csv.gz).")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    rows = models.PositiveBigIntegerField(default=0, help_text="Rows written so far (all of them when done).")
    total_rows = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Rows to write, counted first."
    )
    file = models.CharField(max_length=300, blank=True, help_text="The storage name, once done.")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="report_requester_created")]

    def __str__(self):
        return f"{self.dataset} report {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent written (100 when done)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.rows * 100 / self.total_rows))


class AnalyticsEvent(models.Model):
    """A frontend event (page view, click, form start...). Raw, pruned after
    ANALYTICS_EVENT_RETENTION_DAYS; dashboards read the daily snapshot (``DailyMetric``)."""

    id = models.BigAutoField(primary_key=True)
    event_type = models.CharField(max_length=50)
    page_path = models.CharField(max_length=500, blank=True)
    event_data = models.JSONField(default=dict, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    device_type = models.CharField(max_length=10, blank=True, help_text="desktop, mobile, tablet, bot, other")
    browser = models.CharField(max_length=20, blank=True)
    ip_truncated = models.GenericIPAddressField(
        null=True, blank=True, help_text="The client's address, truncated (IPv4 /24, IPv6 /48)."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.event_type} {self.page_path}"


class DailyMetric(models.Model):
    """One figure of one day, written by the nightly snapshot (``analytics.snapshot_day``):
    e.g. (2026-11-28, "revenue", "USD", 1234.50) or (2026-11-28, "inquiries.country", "NG", 7).
    The row ("snapshot", "") marks a day as complete."""

    date = models.DateField()
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=60, blank=True, default="")
    value = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        ordering = ["date", "metric", "dimension"]
        constraints = [
            models.UniqueConstraint(fields=["date", "metric", "dimension"], name="daily_metric_once"),
        ]

    def __str__(self):
        return f"{self.date} {self.metric}{'/' + self.dimension if self.dimension else ''} = {self.value}"
