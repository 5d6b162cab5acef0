"""Tracking reads: the carriers shipments can name, the order's timeline (its status history
merged with its shipments' events) for its owner and staff, and the public, reduced view of one
shipment by its tracking code. Each is a constant number of queries."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from apps.orders.api import Order, OrderStatusHistory

from .models import Carrier, Shipment, ShipmentEvent


class TimelineShipment(TypedDict):
    id: str
    carrier: str
    tracking_number: str
    tracking_code: str


class TimelineEntry(TypedDict):
    """One line of an order's timeline: an order status change or a shipment event."""

    kind: str  # "order" or "shipment"
    status: str
    from_status: str
    occurred_at: datetime
    location: str
    note: str
    shipment: TimelineShipment | None  # None for an order status change
    applied: bool


def carrier_list() -> QuerySet[Carrier]:
    """Every carrier, active ones first, by name (the webhook secret and status map are not
    for the API: only the fields a shipment form needs)."""
    return Carrier.objects.only("code", "name", "tracking_url_template", "is_active").order_by(
        "-is_active", "name", "code"
    )


def shipment_get(*, pk: UUID | str) -> Shipment | None:
    return Shipment.objects.select_related("carrier", "order").filter(pk=pk).first()


def shipment_detail(*, pk: UUID | str) -> Shipment | None:
    return (
        Shipment.objects.select_related("carrier", "order")
        .prefetch_related("lines__order_line", "events")
        .filter(pk=pk)
        .first()
    )


def order_timeline(*, order: Order) -> dict:
    """``{order, status, shipments: [...], timeline: [...]}``: every order status change and
    every shipment event (late ones too, marked), oldest first. Three queries."""
    history = list(OrderStatusHistory.objects.filter(order=order).order_by("created_at", "id"))
    shipments = list(
        Shipment.objects.filter(order=order)
        .select_related("carrier")
        .prefetch_related(
            Prefetch("events", queryset=ShipmentEvent.objects.order_by("occurred_at", "recorded_at"))
        )
        .order_by("created_at")
    )
    entries: list[TimelineEntry] = [
        {
            "kind": "order",
            "status": row.to_status,
            "from_status": row.from_status,
            "occurred_at": row.created_at,
            "location": "",
            "note": row.reason,
            "shipment": None,
            "applied": True,
        }
        for row in history
    ]
    for shipment in shipments:
        ref: TimelineShipment = {
            "id": str(shipment.pk),
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
            "tracking_code": shipment.tracking_code,
        }
        entries += [
            {
                "kind": "shipment",
                "status": event.to_status,
                "from_status": event.from_status,
                "occurred_at": event.occurred_at,
                "location": event.location,
                "note": event.note,
                "shipment": ref,
                "applied": event.applied,
            }
            for event in shipment.events.all()
        ]
    entries.sort(key=lambda entry: entry["occurred_at"])
    return {
        "order": order.number,
        "status": order.status,
        "shipments": [
            {
                "id": str(s.pk),
                "carrier": s.carrier.name,
                "tracking_number": s.tracking_number,
                "tracking_code": s.tracking_code,
                "tracking_url": s.carrier.tracking_url(s.tracking_number),
                "status": s.status,
                "delivered_at": s.delivered_at,
            }
            for s in shipments
        ],
        "timeline": entries,
    }


def public_tracking(*, code: str) -> dict | None:
    """What anyone with the tracking code may see: the status, the carrier, dates and the
    coarse locations of the events. No names, addresses, emails, prices or notes. Two queries."""
    shipment = Shipment.objects.select_related("carrier").filter(tracking_code=code.strip().upper()).first()
    if shipment is None:
        return None
    events = ShipmentEvent.objects.filter(shipment=shipment).order_by("occurred_at", "recorded_at")
    return {
        "tracking_code": shipment.tracking_code,
        "status": shipment.status,
        "status_label": shipment.get_status_display(),
        "carrier": shipment.carrier.name,
        "shipped_at": shipment.created_at,
        "updated_at": shipment.status_at,
        "delivered_at": shipment.delivered_at,
        "events": [
            {"status": e.to_status, "occurred_at": e.occurred_at, "location": e.location}
            for e in events.only("to_status", "occurred_at", "location")
        ],
    }


def public_tracking_key(*, code: str) -> str:
    return f"tracking:public:v1:{code.strip().upper()}"


def forget_public_tracking(*, code: str) -> None:
    """Drop the cached public lookup once the current transaction commits (a new event)."""
    from django.core.cache import cache
    from django.db import transaction

    key = public_tracking_key(code=code)
    transaction.on_commit(lambda: cache.delete(key))
