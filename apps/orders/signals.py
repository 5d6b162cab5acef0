"""Events the orders app sends to the apps above it, always after the transaction that made
them commits (``transaction.on_commit``), so a listener never sees a payment that was rolled
back and orders never imports a listener. Receivers take keyword arguments only and run each
in their own transaction; a receiver that fails is logged and does not affect the others.

- ``payment_succeeded(payment_id, source)``: the provider took the money and the amount and
  currency matched (``source`` names the webhook or reconciliation that said so). Orders applies
  it to an order's payment itself; for a payment of something else (a service job) a listener
  marks it paid, or refunds it when what it paid for was cancelled meanwhile.
- ``payment_needs_review(payment_id, reason)``: the provider reported another amount or currency;
  the payment is flagged ``needs_review`` with ``reason``.
- ``payment_disputed(payment_id, reason)``: the customer opened a dispute on the payment.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

payment_succeeded = Signal()
payment_needs_review = Signal()
payment_disputed = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` with ``kwargs`` once the current transaction commits (at once outside one)."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "receiver %r of an orders event failed",
                    receiver,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
