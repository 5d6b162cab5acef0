"""Carts, orders, payments, refunds and the provider webhooks they receive."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Round

from apps.core.models import StatusHistory, TimeStampedModel, currency_code_validator

MONEY = {"max_digits": 12, "decimal_places": 2}
# The subject of a service job's payment (``Payment.subject_type``): the jobs app's ``Job`` by its
# label, so that orders imports nothing of the app above it.
JOB_SUBJECT = "jobs.job"


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


class Cart(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CHECKED_OUT = "checked_out", "Checked out"

    token = models.CharField(max_length=64, unique=True, default=new_cart_token, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"cart {self.pk} ({self.currency})"


class CartItem(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_item_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_item_quantity_gte_1"),
        ]


class Order(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        FULFILLING = "fulfilling", "Fulfilling"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        RETURNED = "returned", "Returned"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(max_length=32, unique=True, editable=False)
    sequence = models.BigIntegerField(unique=True, editable=False, help_text="The number's counter.")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True
    )
    currency = models.CharField(max_length=3, validators=[currency_code_validator], db_index=True)
    subtotal = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY, default=Decimal("0"))
    tax = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY)
    shipping_address = models.JSONField()
    billing_address = models.JSONField()
    cart = models.OneToOneField(Cart, null=True, blank=True, on_delete=models.SET_NULL, related_name="order")
    reserved_until = models.DateTimeField(null=True, blank=True, db_index=True)
    needs_review = models.BooleanField(default=False, db_index=True)
    review_reason = models.TextField(blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The analytics day and the finance views (orders paid in a period).
            models.Index(fields=["paid_at"], condition=Q(paid_at__isnull=False), name="orders_order_paid_at"),
        ]
        constraints = [
            models.CheckConstraint(
                # ROUND: SQLite adds decimals as floats.
                condition=Q(total=Round(F("subtotal") + F("shipping") + F("tax"), 2)),
                name="order_total_adds_up",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def reservation_reference(self) -> str:
        return f"order:{self.number}"


class OrderLine(TimeStampedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", null=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=400)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["created_at", "sku"]


class OrderStatusHistory(StatusHistory):
    subject_field = "order"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusHistory.Meta):
        verbose_name_plural = "order status history"


def payment_job_id(*, prefix: str = "") -> Case:
    """The id of the service job a payment pays for, NULL for any other payment, as a query
    expression on payments (``prefix``: the path to the payment, e.g. ``"payment__"``)."""
    return Case(
        When(**{f"{prefix}subject_type": JOB_SUBJECT}, then=F(f"{prefix}subject_id")),
        default=None,
        output_field=models.UUIDField(),
    )


class Payment(TimeStampedModel):
    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        PAYSTACK = "paystack", "Paystack"
        OFFLINE = "offline", "Offline (development)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        NEEDS_REVIEW = "needs_review", "Needs review"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    # What is paid for: an order, or something another app owns, its subject (a service job:
    # ``JOB_SUBJECT``), named by its model's label and its id; exactly one of the two. The subject
    # is a reference, not a foreign key: the app that owns it keeps it from being deleted while it
    # has payments.
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    subject_type = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text='What the payment pays for when not an order: "<app_label>.<model>", e.g. "jobs.job".',
    )
    subject_id = models.UUIDField(
        null=True, blank=True, help_text="The id of what it pays for (not an order)."
    )
    provider = models.CharField(max_length=10, choices=Provider.choices)
    reference = models.CharField(
        max_length=100, help_text="The provider's id: pi_… (Stripe), the reference (Paystack)."
    )
    client_secret = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount_captured = models.DecimalField(**MONEY, default=Decimal("0"))
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0"))
    review_reason = models.TextField(blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    provider_refunds = models.JSONField(
        default=dict,
        blank=True,
        help_text="Refunds the provider reported, as decimal strings by key (Stripe: charge id → its "
        "cumulative amount refunded; Paystack: refund id → that refund's amount), kept even before the "
        "capture is known and counted into amount_refunded once it is.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="payment_subject")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="payment_provider_reference"),
            models.CheckConstraint(
                condition=Q(order__isnull=False, subject_type="", subject_id__isnull=True)
                | (Q(order__isnull=True, subject_id__isnull=False) & ~Q(subject_type="")),
                name="payment_for_order_or_subject",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount_captured")),
                name="payment_refunds_within_captured",
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.reference}"

    @property
    def subject_job_id(self):
        """The service job paid for, if it is one (the API's and the exports' ``job``)."""
        return self.subject_id if self.subject_type == JOB_SUBJECT else None

    @subject_job_id.setter
    def subject_job_id(self, value) -> None:
        """A queryset annotated with ``payment_job_id()`` under this name (the payments list,
        read as values) sets it on its rows: the same value the getter computes, so nothing is
        kept."""


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=100, blank=True, help_text="The provider's refund id.")
    restock = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_gt_0")]


class WebhookEvent(TimeStampedModel):
    """Every provider event received with a valid signature, stored before it is processed;
    each (provider, event id) is processed once."""

    provider = models.CharField(max_length=10, choices=Payment.Provider.choices)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    rejected = models.BooleanField(
        default=False,
        help_text="Refused on arrival: the payload lacks or mistypes a field the processing reads "
        "(the reason is in error). Nothing was applied and it is never processed.",
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"


class ReconciliationRun(TimeStampedModel):
    """One comparison of a provider's payments with ours, over the last N days."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        CLEAN = "clean", "No issues"
        ISSUES = "issues", "Issues found"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=10, choices=Payment.Provider.choices)
    since = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    provider_count = models.PositiveIntegerField(default=0, help_text="Payments listed by the provider.")
    local_count = models.PositiveIntegerField(default=0, help_text="Our payments in the period.")
    issue_count = models.PositiveIntegerField(default=0)
    applied_count = models.PositiveIntegerField(default=0, help_text="Provider successes applied here.")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.provider} reconciliation {self.created_at:%Y-%m-%d %H:%M}"


class ReconciliationIssue(TimeStampedModel):
    class Kind(models.TextChoices):
        MISSING_LOCALLY = "missing_locally", "At the provider, not here"
        AMOUNT_MISMATCH = "amount_mismatch", "Amount or currency differs"
        STATUS_MISMATCH = "status_mismatch", "Status differs"
        MISSING_AT_PROVIDER = "missing_at_provider", "Here, not at the provider"

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    reference = models.CharField(max_length=100)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provider_amount = models.DecimalField(**MONEY, null=True, blank=True)
    provider_currency = models.CharField(max_length=3, blank=True)
    provider_status = models.CharField(max_length=20, blank=True)
    local_amount = models.DecimalField(**MONEY, null=True, blank=True)
    local_currency = models.CharField(max_length=3, blank=True)
    local_status = models.CharField(max_length=20, blank=True)
    detail = models.TextField(blank=True)
    applied = models.BooleanField(default=False, help_text="Fixed here, as the webhook would have.")

    class Meta:
        ordering = ["run", "kind", "reference"]

    def __str__(self):
        return f"{self.kind}: {self.reference}"
