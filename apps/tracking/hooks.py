"""The shipment workflow's side effects, registered on its states (``SHIPMENT.on``) and run by
the services inside the transaction that moved the shipment:

- created (label_created, once per shipment): the customer's "shipped" email with the link;
- out_for_delivery, delivered: the customer's email (and SMS where they opted in);
- delivered: the order becomes ``delivered`` once every line is shipped and every shipment of
  it is delivered.

A replayed carrier event is stored once and cannot repeat a move, so each email goes once."""

from __future__ import annotations

from django.conf import settings

from apps.notifications import api as notifications
from apps.orders import api as orders
from apps.orders.api import Order

from .models import Shipment
from .workflows import SHIPMENT

S = Shipment.Status

MESSAGES = {
    "shipped": "Your order {number} has shipped with {carrier}.",
    S.OUT_FOR_DELIVERY: "Your order {number} is out for delivery today.",
    S.DELIVERED: "Your order {number} has been delivered.",
}


def tracking_page_url(shipment: Shipment) -> str:
    return f"{settings.FRONTEND_URL}/track/{shipment.tracking_code}"


def _notify(shipment: Shipment, kind: str) -> None:
    order = shipment.order
    text = MESSAGES[kind].format(number=order.number, carrier=shipment.carrier.name)
    notifications.email_queue(
        to=order.email,
        template="shipment_update",
        context={
            "kind": kind,
            "message": text,
            "order_number": order.number,
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
            "tracking_code": shipment.tracking_code,
            "carrier_url": shipment.carrier.tracking_url(shipment.tracking_number),
            "tracking_url": tracking_page_url(shipment),
            "lines": [
                {"sku": line.order_line.sku, "name": line.order_line.name, "quantity": line.quantity}
                for line in shipment.lines.select_related("order_line")
            ],
        },
        subject=text,
        related=shipment,
    )
    if order.customer_id:
        notifications.sms_send(user=order.customer, body=f"{text} Track it: {tracking_page_url(shipment)}")


@SHIPMENT.on(S.LABEL_CREATED)
def shipment_created(shipment: Shipment, *, before, actor=None, created=False, **context):
    if created:
        _notify(shipment, "shipped")


@SHIPMENT.on(S.OUT_FOR_DELIVERY)
def out_for_delivery(shipment: Shipment, *, before, actor=None, **context):
    _notify(shipment, S.OUT_FOR_DELIVERY)


@SHIPMENT.on(S.DELIVERED)
def delivered(shipment: Shipment, *, before, actor=None, **context):
    from .services import order_fully_shipped

    _notify(shipment, S.DELIVERED)
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
    undelivered = order.shipments.exclude(status=S.DELIVERED).exists()
    if not undelivered and order_fully_shipped(order=order) and order.status == Order.Status.SHIPPED:
        orders.order_advance(
            order=order, target=Order.Status.DELIVERED, actor=actor, reason="every shipment delivered"
        )
