"""Orders test helpers: a sellable variant in one call, an anonymous cart with items, a valid
address, and the signed Stripe webhook delivery."""

import json
import uuid

from django.conf import settings

from apps.orders.payments.offline import payment_intent_event, stripe_signature
from tests.catalog.factories import product_with_variants
from tests.inventory.factories import WarehouseFactory, stocked

ADDRESS_US = {
    "name": "Ada Buyer",
    "line1": "1 Main St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "73301",
    "country": "US",
}
ADDRESS_NG = {
    "name": "Chidi Buyer",
    "line1": "5 Marina Rd",
    "city": "Lagos",
    "region": "Lagos",
    "country": "NG",
}


def sellable(sku: str, *, usd="100.00", ngn=None, on_hand: int = 10, warehouse=None):
    prices = {"USD": usd}
    if ngn:
        prices["NGN"] = ngn
    product = product_with_variants(prices, name=f"Product {sku}")
    variant = product.variants.get()
    variant.sku = sku
    variant.save()
    if on_hand:
        stocked(variant, warehouse or WarehouseFactory(code="main", priority=1), on_hand=on_hand)
    return variant


def new_cart(client, currency="USD", items: dict | None = None) -> dict:
    response = client.post("/api/v1/carts", {"currency": currency}, format="json")
    assert response.status_code == 201, response.content
    cart = response.json()
    for sku, quantity in (items or {}).items():
        added = client.post(
            f"/api/v1/carts/{cart['id']}/items",
            {"sku": sku, "quantity": quantity},
            format="json",
            HTTP_X_CART_TOKEN=cart["token"],
        )
        assert added.status_code == 201, added.content
    return cart


def checkout(client, cart: dict, *, key: str | None = None, email="ada@example.com", address=None):
    return client.post(
        "/api/v1/checkout",
        {"cart_id": cart["id"], "email": email, "shipping_address": address or ADDRESS_US},
        format="json",
        HTTP_X_CART_TOKEN=cart["token"],
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def stripe_delivery(client, event: dict, *, secret=None, timestamp=None, body: bytes | None = None):
    payload = body if body is not None else json.dumps(event).encode()
    header = stripe_signature(json.dumps(event).encode() if body is not None else payload,
                              secret or settings.STRIPE_WEBHOOK_SECRET, timestamp)  # fmt: skip
    return client.post(
        "/api/v1/webhooks/stripe", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def succeeded_event(payment, **overrides) -> dict:
    event = payment_intent_event(payment=payment)
    event["data"]["object"].update(overrides)
    return event
