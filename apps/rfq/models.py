"""Requests for quote (RFQs), their items and status history, and the versioned quotes sales
send back (with their lines).

An RFQ opened from a leads inquiry keeps the inquiry's id in ``inquiry_id``: a plain UUID,
not a foreign key, because ``leads`` sits above ``rfq`` in the layers (leads converts inquiries
into RFQs; rfq never imports leads).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round

from apps.core.models import StatusHistory, TimeStampedModel, currency_code_validator

from .validators import country_code_validator

MONEY = {"max_digits": 12, "decimal_places": 2}


def new_quote_token() -> str:
    return secrets.token_urlsafe(32)


class RFQ(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUOTED = "quoted", "Quoted"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=32, unique=True, editable=False)
    sequence = models.BigIntegerField(unique=True, editable=False, help_text="The number's counter.")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="rfqs"
    )
    inquiry_id = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The leads inquiry this RFQ was opened from (its id; leads sits above rfq).",
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(db_index=True)
    company = models.CharField(max_length=200, blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[country_code_validator], help_text="ISO 3166-1 alpha-2."
    )
    phone = models.CharField(max_length=32, blank=True)
    product_category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Given by the requester, else derived from the items' products.",
    )
    budget_range = models.CharField(max_length=100, blank=True)
    timeline = models.CharField(max_length=100, blank=True)
    requirements = models.TextField(blank=True)
    specifications = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    quote_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When a quote was last sent to the requester."
    )
    decision_date = models.DateTimeField(
        null=True, blank=True, help_text="When the RFQ was won, lost or cancelled."
    )
    notes = models.TextField(blank=True, help_text="Staff notes; never shown to the customer.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_rfqs",
        help_text="The sales user in charge; gets object permissions on this RFQ.",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the requester's personal data was erased on request."
    )

    class Meta:
        verbose_name = "RFQ"
        verbose_name_plural = "RFQs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="rfq_status_created"),
            # The analytics day (quotes sent, decisions of the day).
            models.Index(
                fields=["quote_sent_at"], condition=Q(quote_sent_at__isnull=False), name="rfq_quote_sent"
            ),
            models.Index(
                fields=["decision_date"], condition=Q(decision_date__isnull=False), name="rfq_decided"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def contact_email(self) -> str:
        """Where the customer's emails go: the linked account's address, else the form's."""
        if self.customer_id and self.customer.is_active and self.customer.email:
            return self.customer.email
        return self.email


class RFQItem(TimeStampedModel):
    """What is asked for: a product (by slug) or one SKU of it. ``product_name`` and ``sku`` keep
    what was asked even if the catalog changes later."""

    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(max_length=400, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "RFQ item"
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="rfq_item_quantity_gte_1"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku or self.product_name}"


class RFQStatusHistory(StatusHistory):
    subject_field = "rfq"

    rfq = models.ForeignKey(RFQ, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusHistory.Meta):
        verbose_name = "RFQ status change"
        verbose_name_plural = "RFQ status history"


class Quote(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SUPERSEDED = "superseded", "Superseded"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn (request closed)"

    rfq = models.ForeignKey(RFQ, on_delete=models.PROTECT, related_name="quotes")
    version = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    subtotal = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    shipping = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    tax = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    valid_until = models.DateField(help_text="The last day the customer may accept (UTC).")
    notes = models.TextField(blank=True, help_text="Shown to the customer in the quote.")
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    token = models.CharField(
        max_length=64,
        unique=True,
        default=new_quote_token,
        editable=False,
        help_text="The secret in the customer's accept/decline link.",
    )
    order = models.OneToOneField(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The order placed when the quote was accepted.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["rfq", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rfq", "version"], name="quote_version_unique"),
            models.UniqueConstraint(
                fields=["rfq"], condition=Q(status="accepted"), name="quote_one_accepted_per_rfq"
            ),
            models.CheckConstraint(
                # ROUND: SQLite adds decimals as floats.
                condition=Q(total=Round(F("subtotal") + F("shipping") + F("tax"), 2)),
                name="quote_total_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.rfq.number} v{self.version}"


class QuoteLine(TimeStampedModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=64)
    description = models.CharField(max_length=400, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quote_line_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_unit_price_gte_0"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"
