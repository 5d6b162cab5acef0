"""Tracking test helpers: a paid order with several lines, a carrier with a webhook secret,
and a signed carrier webhook delivery."""

import json
import uuid
from decimal import Decimal

from django.db import transaction

from apps.orders import api as orders
from apps.orders.services.status import order_mark_paid
from apps.tracking.models import Carrier
from apps.tracking.services import SIGNATURE_HEADER, signature_for
from tests.inventory.factories import WarehouseFactory
from tests.orders.factories import ADDRESS_US, sellable

SECRET = "carrier-shared-secret"


def paid_order(lines: dict | None = None, *, customer=None, email="ada@example.com"):
    """A paid order of ``{sku: quantity}`` (default: 2 × TRK-A, 1 × TRK-B) at 10.00 USD each."""
    lines = lines or {"TRK-A": 2, "TRK-B": 1}
    warehouse = WarehouseFactory(code=f"w-{uuid.uuid4().hex[:6]}", priority=1)
    variants = {sku: sellable(sku, on_hand=50, warehouse=warehouse) for sku in lines}
    with transaction.atomic():
        placed = orders.order_place(
            email=email,
            currency="USD",
            lines=[
                orders.OrderLineRequest(
                    variant_id=variants[sku].pk, quantity=quantity, unit_price=Decimal("10.00")
                )
                for sku, quantity in lines.items()
            ],
            shipping_address=ADDRESS_US,
            customer=customer,
        )
        order_mark_paid(order=placed.order)
    placed.order.refresh_from_db()
    return placed.order


def carrier(code="dhl", **kwargs) -> Carrier:
    defaults = {
        "name": code.upper(),
        "tracking_url_template": f"https://{code}.example/track?n={{tracking_number}}",
        "webhook_secret": SECRET,
        "status_map": {
            "PU": "picked_up",
            "TRANSIT": "in_transit",
            "OFD": "out_for_delivery",
            "DLV": "delivered",
        },
    }
    return Carrier.objects.create(code=code, **{**defaults, **kwargs})


def carrier_post(
    client, code: str, payload: dict, *, secret=SECRET, signature=None, body: bytes | None = None
):
    raw = body if body is not None else json.dumps(payload).encode()
    header = signature if signature is not None else signature_for(secret=secret, body=raw)
    return client.post(
        f"/api/v1/webhooks/carriers/{code}",
        data=raw,
        content_type="application/json",
        **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": header},
    )
