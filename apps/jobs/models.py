"""Service jobs: on-site work and equipment hire.

A customer's ``Job`` asks for a ``ServiceType`` at a site on a date; matching offers it
(``JobOffer``) to the nearest available ``Resource`` of a ``ServiceProvider`` (a resource is
unavailable on the dates of its ``ResourceBlock``s); every move of the job workflow
(``workflows.JOB``) is a ``JobEvent`` row. A job's payments are ``orders`` payments whose
subject is the job (``orders.api.payments_for``); a job with payments cannot be deleted.

The tables were created by the tracking app (its migrations 0002 and 0003) and kept their rows
when the models moved here."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel, currency_code_validator


class ServiceType(models.Model):
    """What a job asks for and what a resource can do (its capabilities): one vocabulary."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20, default="hectare", help_text="What a job's size counts.")
    hours_per_unit = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Estimated hours per unit of size, when the customer gives none.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceProvider(TimeStampedModel):
    """A business offering resources (tractors, crews), run by a user with the provider role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_provider"
    )
    business_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["business_name"]

    def __str__(self):
        return self.business_name


class Resource(TimeStampedModel):
    """One thing or crew a provider hires out, with its rates and home base."""

    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=150)
    capabilities = models.ManyToManyField(ServiceType, related_name="resources")
    rate_per_hour = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    travel_fee_per_km = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    base_lat = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    base_lng = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider__business_name", "name"]
        indexes = [models.Index(fields=["base_lat", "base_lng"], name="resource_base_location")]

    def __str__(self):
        return f"{self.name} ({self.provider})"


class ResourceBlock(models.Model):
    """A date range (inclusive) when the resource is not available: maintenance, holidays."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        indexes = [models.Index(fields=["resource", "start_date", "end_date"], name="resource_block_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="resource_block_dates_ordered"
            )
        ]

    def __str__(self):
        return f"{self.resource_id}: {self.start_date} – {self.end_date}"


class Job(TimeStampedModel):
    """A customer's request for on-site work, offered to the nearest available resource."""

    class Status(models.TextChoices):
        SENT = "SENT", "Sent"
        RECEIVED = "RECEIVED", "Received (offered to a provider)"
        ACCEPTED = "ACCEPTED", "Accepted"
        EN_ROUTE = "EN_ROUTE", "En route"
        ARRIVED = "ARRIVED", "Arrived"
        WORK_STARTED = "WORK_STARTED", "Work started"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="jobs")
    site_address = models.TextField()
    site_lat = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    site_lng = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    size = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))],
        help_text="In the service type's unit (e.g. hectares).",
    )  # fmt: skip
    preferred_date = models.DateField()
    estimated_hours = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT, db_index=True)
    status_at = models.DateTimeField()
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs",
        help_text="Offered to (RECEIVED) or assigned to (ACCEPTED and later).",
    )  # fmt: skip
    provider = models.ForeignKey(
        ServiceProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs",
        help_text="The resource's provider (kept with it, for the provider's lists).",
    )  # fmt: skip
    distance_km = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    needs_attention = models.BooleanField(
        default=False, help_text="No provider left to offer it to: staff must reassign it."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["provider", "status", "preferred_date"], name="job_provider_status_date"),
            models.Index(fields=["customer", "created_at"], name="job_customer_created"),
        ]

    def __str__(self):
        return f"{self.service_type} for {self.customer} on {self.preferred_date}"


class JobOffer(TimeStampedModel):
    """A job offered to one resource; each resource is offered a job at most once."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired (no answer in time)"
        WITHDRAWN = "withdrawn", "Withdrawn (reassigned or cancelled)"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="offers")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="offers")
    rank = models.PositiveIntegerField(default=1, help_text="1: the nearest candidate at the time.")
    distance_km = models.DecimalField(max_digits=9, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    responded_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "resource"], name="job_offer_once_per_resource"),
            models.UniqueConstraint(fields=["job"], condition=Q(status="offered"), name="job_one_open_offer"),
        ]

    def __str__(self):
        return f"{self.job_id} → {self.resource_id} ({self.status})"


class JobEvent(models.Model):
    """The job's history, append-only: every transition with who, where and when."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "recorded_at", "id"]

    def __str__(self):
        return f"{self.job_id}: {self.from_status or '—'} → {self.to_status}"
