"""Payment providers behind one interface, chosen by currency (PAYMENT_PROVIDERS)."""

from django.conf import settings

from apps.core.errors import ServiceUnavailable

from .base import (
    Charge,
    PaymentProvider,
    PaymentProviderError,
    ProviderPayment,
    ProviderRecord,
    ProviderRefund,
)


def provider_named(name: str) -> PaymentProvider:
    if name == "offline":
        from .offline import OfflineProvider

        return OfflineProvider()
    if name == "stripe":
        from .stripe_gateway import StripeProvider

        return StripeProvider()
    if name == "paystack":
        from .paystack import PaystackProvider

        return PaystackProvider()
    raise ValueError(f"unknown payment provider {name!r}")


def provider_for(currency: str) -> PaymentProvider:
    """The provider that takes ``currency``; the offline one in development without keys."""
    if settings.PAYMENTS_OFFLINE:
        return provider_named("offline")
    name = settings.PAYMENT_PROVIDERS.get(currency.upper()) or settings.PAYMENT_PROVIDERS.get("*", "stripe")
    key = {"stripe": settings.STRIPE_SECRET_KEY, "paystack": settings.PAYSTACK_SECRET_KEY}.get(name)
    if not key:
        raise ServiceUnavailable(f"Payments in {currency} are not configured yet ({name} has no key).")
    return provider_named(name)


__all__ = [
    "Charge",
    "PaymentProvider",
    "PaymentProviderError",
    "ProviderPayment",
    "ProviderRecord",
    "ProviderRefund",
    "provider_for",
    "provider_named",
]
