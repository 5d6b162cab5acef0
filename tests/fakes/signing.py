"""Webhook signatures exactly as the providers compute them, for signing test payloads."""

from __future__ import annotations

import hashlib
import hmac
import time


def stripe_signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>``."""
    if isinstance(payload, str):
        payload = payload.encode()
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{timestamp}.".encode() + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def paystack_signature(payload: bytes, secret: str) -> str:
    """The ``x-paystack-signature`` header: hex HMAC-SHA512 of the raw body, keyed with the secret key."""
    if isinstance(payload, str):
        payload = payload.encode()
    return hmac.new(secret.encode(), payload, hashlib.sha512).hexdigest()
