"""Notifications: the email outbox, suppressed addresses, broadcasts, in-app notifications,
SMS/WhatsApp messages and the users' channel preferences.

The outbox (``EmailMessage``) is written in the caller's transaction and sent by a task that
first claims the row (``pending -> sending``, one conditional UPDATE), so a row is never sent
twice; failures go back to ``pending`` with a later ``next_attempt_at`` (exponential backoff
with jitter) until ``EMAIL_MAX_ATTEMPTS``, then ``failed``. ESP webhooks set the
``delivery_status``; a hard bounce or a complaint adds the address to ``Suppression``.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel, UUIDModel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# What the API shows (the contract's statuses): ``sending`` — claimed by a worker right now — is
# an internal step of ``pending`` (not sent yet). The admin shows the real status.
API_STATUSES = {
    OutboxStatus.PENDING: (OutboxStatus.PENDING, OutboxStatus.SENDING),
    OutboxStatus.SENT: (OutboxStatus.SENT,),
    OutboxStatus.FAILED: (OutboxStatus.FAILED,),
}
API_STATUS_OF = {status: shown for shown, statuses in API_STATUSES.items() for status in statuses}


class EmailMessage(TimeStampedModel):
    """One outgoing email (one message, possibly to several recipients)."""

    Status = OutboxStatus

    class DeliveryStatus(models.TextChoices):
        UNKNOWN = "", "Unknown"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained (marked as spam)"

    to = models.JSONField(default=list, help_text="Recipient addresses (a list).")
    from_email = models.CharField(max_length=320)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    template = models.CharField(max_length=100, blank=True, db_index=True)
    context = models.JSONField(
        default=dict, blank=True, help_text="The template context as JSON (empty for sensitive emails)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        help_text="When the next attempt is due; pending rows overdue by a few minutes are "
        "re-queued by the sweeper."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error_message = models.TextField(blank=True)
    suppressed_recipients = models.JSONField(
        default=list, blank=True, help_text="Recipients skipped because their address is suppressed."
    )
    delivery_status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.UNKNOWN, blank=True
    )
    delivery_detail = models.CharField(max_length=500, blank=True)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)
    related_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    related_object_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("related_content_type", "related_object_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox email"
        verbose_name_plural = "outbox emails"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_status_due"),
            models.Index(fields=["status", "last_attempt_at"], name="email_status_attempted"),
            models.Index(fields=["related_content_type", "related_object_id"], name="email_related"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name="email_message_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


class EmailAttachment(UUIDModel):
    email = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.filename


class Suppression(TimeStampedModel):
    """An address no email is sent to (hard bounce, spam complaint, unsubscribe, or by hand)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        MANUAL = "manual", "Added by staff"

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased.")
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.MANUAL)
    source = models.CharField(max_length=50, blank=True, help_text="The ESP that reported it, or staff.")
    detail = models.CharField(max_length=500, blank=True)
    email_message = models.ForeignKey(
        EmailMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class Broadcast(TimeStampedModel):
    """One message to an audience, resolved when sending starts and sent in batches."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; paragraphs are kept in the HTML version.")
    audience = models.CharField(max_length=64, help_text="all_customers, or role:<name>.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Recipients when sending started.")
    skipped = models.PositiveIntegerField(default=0, help_text="Audience members with a suppressed address.")
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class BroadcastRecipient(UUIDModel):
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients")
    email = models.EmailField(max_length=254)
    email_message = models.OneToOneField(
        EmailMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcast_recipient"
    )
    error = models.CharField(max_length=500, blank=True, help_text="Why no email could be made for it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "email"], name="broadcast_recipient_unique"),
        ]

    def __str__(self):
        return self.email


class Notification(TimeStampedModel):
    """An in-app notification for one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path (/orders/FD-1) or an https URL.")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent")]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """The user's opt-in to text channels (email needs none: it is transactional)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    sms_opt_in = models.BooleanField(default=False)
    whatsapp_opt_in = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Preferences of {self.user_id}"


class SmsMessage(TimeStampedModel):
    """One SMS or WhatsApp message, sent by a task through the configured channel."""

    Status = OutboxStatus

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        WHATSAPP = "whatsapp", "WhatsApp"

    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SMS)
    to = models.CharField(max_length=32, help_text="E.164, e.g. +2348012345678.")
    body = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS/WhatsApp message"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_status_due"),
            models.Index(fields=["status", "last_attempt_at"], name="sms_status_attempted"),
        ]

    def __str__(self):
        return f"{self.channel} to {self.to}"
