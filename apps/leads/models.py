"""Inquiries (leads), the scoring rules that rank them, contact import jobs, and the
round-robin assignment cursor.

An imported *contact* is an Inquiry too (``source="import"`` unless the file names a source):
one list, one scoring, one assignment and visibility model, one conversion flow for every
lead, however it arrived."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.models import TimeStampedModel

from .countries import COUNTRIES
from .scoring import condition_errors


def validate_country(value: str) -> None:
    if value and value not in COUNTRIES:
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 alpha-2 country code (e.g. NG, US, GB).",
            code="invalid_country",
            params={"value": value},
        )


phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./\-]{3,30}$",
    "Enter a phone number: digits, spaces and ( ) . / - , optionally starting with +.",
    code="invalid_phone",
)


class InquiryQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Inquiry.OPEN_STATUSES)


class InquiryManager(models.Manager.from_queryset(InquiryQuerySet)):
    """The default manager: soft-deleted inquiries are hidden everywhere."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Inquiry(TimeStampedModel):
    class Type(models.TextChoices):
        GENERAL = "general", "General"
        SALES = "sales", "Sales"
        SUPPORT = "support", "Support"
        PARTNERSHIP = "partnership", "Partnership"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)

    inquiry_type = models.CharField(max_length=16, choices=Type.choices, default=Type.GENERAL)
    full_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, help_text="Stored lower-cased.")
    phone = models.CharField(max_length=32, blank=True, validators=[phone_validator])
    company = models.CharField(max_length=200, blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country], help_text="ISO 3166-1 alpha-2."
    )
    message = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    lead_score = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    matched_rules = models.JSONField(
        default=list, blank=True, help_text="[{rule_id, rule_name, score_value}]: why it scored so."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="budget, timeline, org_type, products...")
    source = models.CharField(max_length=50, blank=True, default="website")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    converted_customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="converted_inquiries",
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    rfq_id = models.UUIDField(null=True, blank=True, help_text="The RFQ opened on conversion.")
    import_job = models.ForeignKey(
        "leads.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
        help_text="The contact import that created or last updated it.",
    )
    notes = models.TextField(blank=True, help_text="Staff notes.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    stale_reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When sales were reminded that it was still new after LEADS_STALE_HOURS (once).",
    )  # fmt: skip

    objects = InquiryManager()
    all_objects = models.Manager.from_queryset(InquiryQuerySet)()

    class Meta:
        verbose_name_plural = "inquiries"
        ordering = ["-created_at"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(Lower("email"), name="leads_inquiry_email_ci"),
            # The rescoring walks the open inquiries by id: this index holds exactly those.
            models.Index(
                fields=["id"],
                condition=Q(status__in=["new", "in_progress"], deleted_at__isnull=True),
                name="leads_inquiry_open_id",
            ),
            models.Index(fields=["-lead_score", "-created_at"], name="leads_inquiry_score"),
            models.Index(fields=["country"], name="leads_inquiry_country"),
            # The staff list (newest first) and its count: a narrow index of the live rows, so
            # neither reads the wide rows (messages, metadata) of the whole table.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="leads_inquiry_live_new",
            ),
            # A sales user's list (the inquiries assigned to them, newest first) and its count:
            # the page is the first entries of the user's part, the count an index-only scan.
            models.Index(
                fields=["assigned_to", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="leads_inquiry_assigned_new",
            ),
            # The hourly stale-lead reminder: the new inquiries nobody was reminded of yet.
            models.Index(
                fields=["created_at"],
                condition=Q(status="new", stale_reminded_at__isnull=True, deleted_at__isnull=True),
                name="leads_inquiry_stale_new",
            ),
            # The analytics day (conversions of the day).
            models.Index(
                fields=["converted_at"],
                condition=Q(converted_at__isnull=False),
                name="leads_inquiry_converted",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_score__gte=0) & Q(lead_score__lte=100), name="leads_inquiry_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.full_name or self.email} ({self.get_inquiry_type_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class LeadScoringRule(TimeStampedModel):
    class RuleType(models.TextChoices):
        COUNTRY = "country", "Country"
        ORG_TYPE = "org_type", "Organisation type"
        BUDGET = "budget", "Budget"
        PRODUCT = "product", "Product"
        KEYWORD = "keyword", "Keyword"

    rule_name = models.CharField(max_length=120)
    rule_type = models.CharField(max_length=16, choices=RuleType.choices)
    condition = models.JSONField(
        help_text='e.g. {"field": "country", "in": ["NG", "US"]} — see apps/leads/scoring.py.'
    )
    score_value = models.SmallIntegerField(
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text="Added to the score when the condition matches; may be negative.",
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Order of evaluation and display.")

    class Meta:
        ordering = ["position", "rule_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_value__gte=-100) & Q(score_value__lte=100), name="leads_rule_score_range"
            ),
        ]

    def __str__(self):
        return self.rule_name

    def clean(self):
        super().clean()
        errors = condition_errors(self.condition)
        if errors:
            raise ValidationError(
                {"condition": [f"{path}: {message}" if path else message for path, message in errors]}
            )


class ImportJob(TimeStampedModel):
    """One contact import (CSV). Small files are imported in the request and recorded here
    as done; large ones are queued and imported by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    dry_run = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True, help_text="{created, updated, rejected}")
    error = models.TextField(blank=True)
    content = models.BinaryField(
        null=True, blank=True, editable=False, help_text="The uploaded file until it is imported."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import {self.file_name or self.pk} ({self.status})"


class AssignmentCursor(models.Model):
    """Where the round-robin assignment of new inquiries stands (one row, locked per use)."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(singleton=1), name="leads_cursor_singleton")]

    def __str__(self):
        return "Round-robin assignment cursor"
