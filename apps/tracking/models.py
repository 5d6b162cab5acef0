"""Shipments of orders with their carriers' events.

A ``Shipment`` carries some (or all) of an order's lines; its status follows the shipment
workflow (``workflows.SHIPMENT``) and every event, applied or not, is a ``ShipmentEvent`` row:
the history (from, to, actor, location, note, occurred_at, recorded_at). Events a carrier sends
late (older than the current state's) are kept but do not move the state back."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel

TRACKING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_tracking_code() -> str:
    """A public code, unguessable (about 60 bits), easy to read out: FD-XXXX-XXXX-XXXX."""
    chars = "".join(secrets.choice(TRACKING_CODE_ALPHABET) for _ in range(12))
    return f"FD-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class Carrier(TimeStampedModel):
    code = models.SlugField(max_length=32, unique=True, help_text="Used in the webhook URL.")
    name = models.CharField(max_length=100)
    tracking_url_template = models.CharField(
        max_length=300, blank=True, help_text="The carrier's page, with {tracking_number} in it."
    )
    webhook_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shared secret of the carrier's webhook (HMAC-SHA256 of the body). Empty: the "
        "webhook is refused.",
    )
    status_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='The carrier\'s statuses to ours, e.g. {"OUT_FOR_DLV": "out_for_delivery"}. '
        "Our own status names are always understood.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def tracking_url(self, tracking_number: str) -> str:
        if not self.tracking_url_template:
            return ""
        return self.tracking_url_template.replace("{tracking_number}", tracking_number)


class Shipment(TimeStampedModel):
    class Status(models.TextChoices):
        LABEL_CREATED = "label_created", "Label created"
        PICKED_UP = "picked_up", "Picked up"
        IN_TRANSIT = "in_transit", "In transit"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        EXCEPTION = "exception", "Exception"
        RETURNED = "returned", "Returned"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(max_length=64)
    tracking_code = models.CharField(max_length=20, unique=True, default=new_tracking_code, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LABEL_CREATED)
    status_at = models.DateTimeField(help_text="When the current status happened (the carrier's time).")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_tracking_number_per_carrier"
            ),
        ]

    def __str__(self):
        return f"{self.carrier.code} {self.tracking_number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line_id}"


class ShipmentEvent(models.Model):
    """One event of a shipment, append-only. ``applied``: it moved the state (or confirmed it);
    a late event (``occurred_at`` older than the state's) is kept with ``applied=False``."""

    class Source(models.TextChoices):
        STAFF = "staff", "Staff"
        CARRIER = "carrier", "Carrier webhook"
        SYSTEM = "system", "System"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, help_text="The event's status (ours).")
    applied = models.BooleanField(default=True)
    location = models.CharField(max_length=200, blank=True, help_text="Coarse: a city, a depot.")
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    carrier_status = models.CharField(max_length=64, blank=True, help_text="The carrier's own status.")
    external_id = models.CharField(max_length=128, blank=True, help_text="The carrier's event id.")
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "recorded_at", "id"]
        constraints = [
            # A carrier's event is stored once, whatever its webhook retries.
            models.UniqueConstraint(
                fields=["carrier", "external_id"],
                condition=~Q(external_id=""),
                name="shipment_event_once_per_carrier_event",
            ),
        ]

    def __str__(self):
        return f"{self.shipment_id}: {self.from_status or '—'} → {self.to_status}"
