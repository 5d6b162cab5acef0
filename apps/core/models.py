import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(UUIDModel):
    """The base of every domain model: UUID primary key, created/updated timestamps."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SeoFields(models.Model):
    """Search-engine fields shared by pages, news and products (the image is a ``cms`` media
    file, referenced by string so that core imports no domain app)."""

    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=320, blank=True)
    og_image = models.ForeignKey(
        "cms.MediaFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class StatusHistory(models.Model):
    """One move of a workflow, append-only: from, to, who, why, when. A subclass adds the
    foreign key to the object that moved (``related_name="history"``) and names it in
    ``subject_field``."""

    subject_field = ""

    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self):
        subject = getattr(self, f"{self.subject_field}_id", "")
        return f"{subject}: {self.from_status or '—'} → {self.to_status}"


currency_code_validator = RegexValidator(
    r"^[A-Z]{3}$", "Use an ISO 4217 currency code: three capital letters, e.g. USD."
)


class ActivityLog(models.Model):
    """Append-only record of every staff write: who did what to which entity, and the change.

    Written only through apps.core.activity.activity_record; never updated nor deleted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_logs",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    entity_type = models.CharField(max_length=100, db_index=True)
    entity_id = models.CharField(max_length=64, blank=True, db_index=True)
    entity_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(
        max_length=64,
        blank=True,
        db_default="",  # rows written by SQL (bulk loads, code of the previous release) have none
        help_text="The request that made the change (its X-Request-ID).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["entity_type", "entity_id", "-created_at"])]

    def __str__(self):
        return f"{self.actor_email or 'system'} {self.action} {self.entity_type} {self.entity_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Activity log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Activity log entries are append-only.")


class SiteSettings(models.Model):
    """One row of business settings that staff change at run time (GET/PATCH /settings)."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    company_name = models.CharField(max_length=200, default="Foundry")
    support_email = models.EmailField(default="support@foundry.local")
    default_currency = models.CharField(max_length=3, default="USD", validators=[currency_code_validator])
    low_stock_threshold = models.PositiveIntegerField(default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=1), name="site_settings_singleton")
        ]

    def __str__(self):
        return "Site settings"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for one endpoint: the request's fingerprint and the
    response it got, replayed when the same key and body come again."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="Who sent it: user id or anonymous scope.")
    endpoint = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True, default="", help_text="The JSON body as first rendered.")
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "endpoint", "key"], name="idempotency_key_unique")
        ]

    def __str__(self):
        return f"{self.endpoint} {self.key}"
