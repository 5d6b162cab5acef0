"""The tracking app's public surface for other apps.

Owns: carriers, shipments and their lines and carrier events (the shipment workflow, the
carriers' signed webhooks, public tracking by code and the live shipment stream) and, until
they move to their own ``jobs`` app, service jobs: service types, providers, resources and their
availability, job offers and matching, estimates, the job workflow and job payments.

Offers: nothing to other apps yet (no app above it imports it). Shipments move their order
through ``orders.api.order_advance``; customers and staff hear from it through
``notifications.api``.

Events: emits none. Listens to the orders app's payment events (``orders.api``,
sent after commit; connected in ``apps.py``): ``payment_succeeded`` marks a job paid (or refunds
it when the job was cancelled meanwhile), ``payment_needs_review`` and ``payment_disputed``
flag the job.
"""

__all__: list[str] = []
