"""Stock: warehouses, a stock level per (variant, warehouse), the append-only ledger of every
change, and reservations held for orders.

Invariants, each also held by the database: ``0 <= reserved <= on_hand`` (a CHECK, so no code
path can oversell), and a stock level equals the sum of its movements (every change goes
through ``services.stock_change``, which writes both in one transaction;
``manage.py verify_stock_ledger`` checks it)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel, UUIDModel


class Warehouse(TimeStampedModel):
    code = models.SlugField(max_length=32, unique=True, help_text="Short code, e.g. LOS-1.")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(
        default=100, help_text="Allocation order: reservations take stock from lower numbers first."
    )

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class StockLevel(TimeStampedModel):
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Low when available is at or below this; empty: the site's low-stock threshold.",
    )
    low_stock_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="In a low-stock digest since it last went low."
    )

    class Meta:
        ordering = ["variant__sku", "warehouse__priority"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_level_variant_warehouse"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(on_hand__gte=F("reserved")),
                name="stock_level_0_le_reserved_le_on_hand",
                violation_error_message="Stock cannot go below what is reserved, nor below zero.",
            ),
        ]

    def __str__(self):
        return f"{self.variant_id} @ {self.warehouse_id}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(UUIDModel):
    """One change of one stock level. Append-only: never updated nor deleted."""

    class Reason(models.TextChoices):
        RECEIVED = "received", "Received"
        DAMAGED = "damaged", "Damaged"
        COUNT_CORRECTION = "count_correction", "Count correction"
        RETURNED = "returned", "Returned"
        SALE = "sale", "Sale"
        RESERVATION = "reservation", "Reservation"
        RELEASE = "release", "Release"
        OTHER = "other", "Other"

    # Reasons a person may give for an adjustment; the others are written by the order flow.
    ADJUSTMENT_REASONS = ("received", "damaged", "count_correction", "returned", "other")

    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="What caused it, e.g. order:FD-2026-000123."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant", "-created_at"]),
            models.Index(fields=["warehouse", "-created_at"]),
            models.Index(fields=["reason", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0, reserved_delta=0), name="stock_movement_changes_something"
            )
        ]

    def __str__(self):
        return f"{self.reason} {self.on_hand_delta:+}/{self.reserved_delta:+}"


class Reservation(TimeStampedModel):
    """Stock held for an order line in one warehouse until it is paid (committed), released
    (cancelled) or expires."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"

    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservations")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(
        max_length=100, db_index=True, help_text="What holds it, e.g. order:FD-2026-000123."
    )
    line_reference = models.CharField(max_length=100, blank=True, help_text="e.g. the order line's id.")
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0")]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id} for {self.reference} ({self.state})"
