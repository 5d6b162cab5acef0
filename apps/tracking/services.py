"""Shipment writes: creating a shipment of some or all of an order's lines, recording an event
(staff or carrier) through the shipment workflow, and the carriers' signed webhooks.

Every change happens in one transaction with its history row and, through the workflow's hooks
(``hooks``), the order's move and the customer's email: a refused event changes nothing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.activity import activity_record
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.core.parsers import json_loads, utc_datetime
from apps.core.roles import user_roles
from apps.orders import api as orders
from apps.orders.api import Order, OrderLine

from . import streams
from .models import Carrier, Shipment, ShipmentEvent, ShipmentLine
from .workflows import REPEATABLE, SHIPMENT

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

S = Shipment.Status
SHIPPABLE_ORDER_STATES = (Order.Status.PAID, Order.Status.FULFILLING)
MAX_CLOCK_SKEW = timedelta(minutes=10)  # an event "from the future" beyond this is refused
SIGNATURE_HEADER = "X-Foundry-Signature"
# The carrier event's fields: (required, longest accepted), as ShipmentEvent stores them.
WEBHOOK_FIELDS = {
    "event_id": (True, 128),
    "tracking_number": (True, 64),
    "status": (True, 64),
    "occurred_at": (True, 64),
    "location": (False, 200),
    "note": (False, 2000),
}


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- Shipments --------------------------------------------------------------------------------


def _shipped_quantities(order: Order) -> dict:
    """Order line id → units already in a shipment (returned shipments count: goods left)."""
    return dict(
        ShipmentLine.objects.filter(shipment__order=order)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )


def _lines_to_ship(order: Order, requested: list[dict] | None) -> list[tuple[OrderLine, int]]:
    order_lines = list(order.lines.order_by("created_at", "sku"))
    shipped = _shipped_quantities(order)
    remaining = {line.pk: line.quantity - shipped.get(line.pk, 0) for line in order_lines}
    if not requested:
        chosen = [(line, remaining[line.pk]) for line in order_lines if remaining[line.pk] > 0]
        if not chosen:
            raise Conflict("Every line of this order is already in a shipment.", code="nothing_to_ship")
        return chosen
    by_id = {str(line.pk): line for line in order_lines}
    by_sku = {line.sku: line for line in order_lines}
    chosen, seen = [], set()
    for index, item in enumerate(requested):
        line = by_id.get(str(item.get("line") or "")) or by_sku.get(item.get("sku") or "")
        if line is None:
            raise ApplicationError(
                "No such line in this order (give its id as 'line' or its 'sku').", attr=f"lines.{index}"
            )
        if line.pk in seen:
            raise ApplicationError("This line is listed twice.", attr=f"lines.{index}")
        seen.add(line.pk)
        quantity = item.get("quantity") or remaining[line.pk]
        if quantity > remaining[line.pk]:
            raise Conflict(
                f"Only {remaining[line.pk]} of {line.sku} are left to ship.",
                code="over_shipment",
                attr=f"lines.{index}.quantity",
                extra={"remaining": remaining[line.pk]},
            )
        if quantity < 1:
            raise Conflict(
                f"Every unit of {line.sku} is already in a shipment.",
                code="nothing_to_ship",
                attr=f"lines.{index}",
            )
        chosen.append((line, quantity))
    return chosen


def order_fully_shipped(*, order: Order) -> bool:
    shipped = _shipped_quantities(order)
    return all(shipped.get(line.pk, 0) >= line.quantity for line in order.lines.all())


@transaction.atomic
def shipment_create(
    *,
    order: Order,
    carrier: Carrier,
    tracking_number: str,
    lines: list[dict] | None = None,
    actor: AnyUser | None,
) -> Shipment:
    """A shipment of ``lines`` (``[{line | sku, quantity?}]``; default: everything not yet
    shipped) of a paid order. The order becomes ``fulfilling``, and ``shipped`` once every line
    is in a shipment; the customer is told, with the tracking link."""
    order = Order.objects.select_for_update().get(pk=order.pk)  # one shipment at a time per order
    if order.status not in SHIPPABLE_ORDER_STATES:
        raise Conflict(
            f"Order {order.number} is '{order.status}': only paid orders being fulfilled ship.",
            code="order_not_shippable",
            attr="order",
        )
    if not carrier.is_active:
        raise ApplicationError(f"Carrier '{carrier.code}' is not active.", attr="carrier")
    tracking_number = tracking_number.strip()
    if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise Conflict(
            f"{carrier.name} tracking number {tracking_number} is already used by another shipment.",
            code="duplicate_tracking_number",
            attr="tracking_number",
        )
    chosen = _lines_to_ship(order, lines)
    now = timezone.now()
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier,
        tracking_number=tracking_number,
        status=SHIPMENT.initial,
        status_at=now,
        created_by=_actor(actor),
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=quantity) for line, quantity in chosen
    )
    ShipmentEvent.objects.create(
        shipment=shipment,
        from_status="",
        to_status=shipment.status,
        actor=_actor(actor),
        source=ShipmentEvent.Source.STAFF,
        note="Shipment created.",
        occurred_at=now,
    )
    target = Order.Status.SHIPPED if order_fully_shipped(order=order) else Order.Status.FULFILLING
    orders.order_advance(
        order=order, target=target, actor=_actor(actor), reason=f"shipment {tracking_number}"
    )
    SHIPMENT.run_hooks(shipment, target=shipment.status, before="", actor=_actor(actor), created=True)
    activity_record(
        actor=actor,
        action="create",
        entity=shipment,
        after={
            "order": order.number,
            "carrier": carrier.code,
            "tracking_number": tracking_number,
            "lines": {line.sku: quantity for line, quantity in chosen},
        },
    )
    return shipment


# --- Events -----------------------------------------------------------------------------------


def _occurred_at(value) -> datetime:
    """The event's time in UTC: an aware ISO 8601 date-time, offset at most ±14:00, not ahead."""
    now = timezone.now()
    if value is None:
        return now
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed, but no such date or time (2026-02-30)
            parsed = None
        if parsed is None:
            raise ApplicationError("Give occurred_at as an ISO 8601 date-time.", attr="occurred_at")
        value = parsed
    if timezone.is_naive(value):
        raise ApplicationError("occurred_at needs a time zone (e.g. Z or +01:00).", attr="occurred_at")
    try:
        value = utc_datetime(value)
    except ValueError as exc:
        raise ApplicationError(f"occurred_at: {exc}", attr="occurred_at") from exc
    if value > now + MAX_CLOCK_SKEW:
        raise ApplicationError("occurred_at is in the future.", attr="occurred_at")
    return value


@transaction.atomic
def shipment_event_record(
    *,
    shipment: Shipment,
    status: str,
    location: str = "",
    note: str = "",
    occurred_at: datetime | None = None,
    actor: AnyUser | None = None,
    source: str = ShipmentEvent.Source.STAFF,
    carrier_status: str = "",
    external_id: str = "",
) -> tuple[ShipmentEvent, bool]:
    """Record an event and move the shipment if the workflow allows: (event, moved).

    - an event older than the current state's time is kept (``applied=False``) and moves
      nothing: carriers deliver late and out of order;
    - the current status again (a new in-transit scan) is kept, no move;
    - anything else the workflow refuses → 409 ``invalid_transition``, nothing stored.
    Staff callers (``source=staff``) also need a role the transition allows (403)."""
    if status not in S.values:
        raise ApplicationError(
            f"Unknown status '{status}'. Use one of: {', '.join(S.values)}.", attr="status"
        )
    when = _occurred_at(occurred_at)
    shipment = Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)
    before = shipment.status
    event = ShipmentEvent(
        shipment=shipment,
        from_status=before,
        to_status=status,
        location=location.strip()[:200],
        note=note.strip(),
        actor=_actor(actor),
        source=source,
        carrier_status=carrier_status[:64],
        external_id=external_id[:128],
        carrier=shipment.carrier if source == ShipmentEvent.Source.CARRIER else None,
        occurred_at=when,
    )
    if when < shipment.status_at:
        event.applied = False
        event.save()
        streams.publish_on_commit(shipment, event)
        return event, False
    if status == before:
        if SHIPMENT.is_final(before) or status not in REPEATABLE:
            SHIPMENT.check(current=before, target=status)  # raises: nothing after a final state
        event.save()
        shipment.status_at = when
        shipment.save(update_fields=["status_at", "updated_at"])
        streams.publish_on_commit(shipment, event)
        return event, False
    if source == ShipmentEvent.Source.STAFF and actor is not None and not actor.is_superuser:
        SHIPMENT.check_request(current=before, target=status, roles=user_roles(actor))
    else:
        SHIPMENT.check(current=before, target=status)
    shipment.status, shipment.status_at = status, when
    fields = ["status", "status_at", "updated_at"]
    if status == S.DELIVERED:
        shipment.delivered_at = when
        fields.append("delivered_at")
    shipment.save(update_fields=fields)
    event.save()
    streams.publish_on_commit(shipment, event)
    SHIPMENT.run_hooks(shipment, target=status, before=before, actor=_actor(actor), event=event)
    return event, True


# --- Carrier webhooks -------------------------------------------------------------------------


def signature_for(*, secret: str, body: bytes) -> str:
    """The ``X-Foundry-Signature`` header value a carrier sends: ``sha256=<hex HMAC of body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _verified_payload(carrier: Carrier, body: bytes, signature: str) -> dict:
    if not carrier.webhook_secret:
        raise ApplicationError(
            f"{carrier.name} has no webhook secret: its webhooks are refused.", code="webhook_not_configured"
        )
    if not signature or not hmac.compare_digest(
        signature_for(secret=carrier.webhook_secret, body=body), signature.strip()
    ):
        raise ApplicationError(
            f"The {SIGNATURE_HEADER} header does not match the body.", code="invalid_signature"
        )
    return _valid_payload(json_loads(body))  # the API's JSON rules: depth, NUL (400 on its field)


def _valid_payload(payload) -> dict:
    """The fields this code reads, each a string of at most its length (optional ones default
    to ""); anything else is a 400 naming the field, and nothing is stored."""
    if not isinstance(payload, dict):
        raise ApplicationError("The body must be a JSON object.", code="parse_error")
    valid = {}
    for field, (required, longest) in WEBHOOK_FIELDS.items():
        value = payload.get(field)
        if value is None and not required:
            value = ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise ApplicationError(
                f"'{field}' is {'required (a string)' if required else 'a string when given'}.", attr=field
            )
        if len(value) > longest:
            raise ApplicationError(f"'{field}' is longer than {longest} characters.", attr=field)
        valid[field] = value.strip()
    return valid


def carrier_status_map(*, carrier: Carrier, status: str) -> str:
    mapped = (carrier.status_map or {}).get(status)
    if mapped in S.values:
        return mapped
    if status.lower() in S.values:
        return status.lower()
    raise ApplicationError(
        f"{carrier.name} status '{status}' is not mapped to ours; add it to the carrier's status map.",
        code="unknown_carrier_status",
        attr="status",
    )


def carrier_webhook_receive(*, carrier_code: str, body: bytes, signature: str) -> dict:
    """A carrier's signed event: verified (HMAC-SHA256 of the raw body with the carrier's
    secret; a bad signature → 400, nothing stored), mapped onto our statuses, stored once per
    carrier event id (a retry answers ``duplicate: true``) and applied through the workflow."""
    carrier = Carrier.objects.filter(code=carrier_code, is_active=True).first()
    if carrier is None:
        raise NotFound(f"No active carrier '{carrier_code}'.")
    payload = _verified_payload(carrier, body, signature)
    event_id = payload["event_id"]
    if ShipmentEvent.objects.filter(carrier=carrier, external_id=event_id).exists():
        return {"duplicate": True, "applied": False, "status": None}
    status = carrier_status_map(carrier=carrier, status=payload["status"])
    shipment = Shipment.objects.filter(carrier=carrier, tracking_number=payload["tracking_number"]).first()
    if shipment is None:
        raise NotFound(f"No {carrier.name} shipment with tracking number {payload['tracking_number']}.")
    try:
        event, moved = shipment_event_record(
            shipment=shipment,
            status=status,
            location=payload["location"],
            note=payload["note"],
            occurred_at=payload["occurred_at"],
            source=ShipmentEvent.Source.CARRIER,
            carrier_status=payload["status"],
            external_id=event_id,
        )
    except IntegrityError:  # the same event, delivered twice at once: the other one won
        return {"duplicate": True, "applied": False, "status": None}
    shipment.refresh_from_db(fields=["status"])
    return {"duplicate": False, "applied": event.applied, "moved": moved, "status": shipment.status}
