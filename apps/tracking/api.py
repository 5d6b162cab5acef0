"""The tracking app's public surface for other apps.

Owns: carriers, shipments and their lines and carrier events (the shipment workflow, the
carriers' signed webhooks, order timelines, public tracking by code and the live shipment
stream).

Offers: nothing to other apps yet (no app above it imports it). Shipments move their order
through ``orders.api.order_advance``; customers hear from it through ``notifications.api``.

Events: emits none (each shipment event is published to Redis after commit, for the stream).
Listens to none.
"""

__all__: list[str] = []
