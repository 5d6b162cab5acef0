"""Payment providers behind one interface, chosen by currency (PAYMENT_PROVIDERS).

A currency is paid through its configured provider when that provider has a key. Otherwise, in
development (``PAYMENTS_OFFLINE_FALLBACK``, on with DEBUG), through the built-in offline provider;
in production it cannot be paid (``PaymentsUnavailable``, 503 ``payments_unavailable``), and the
rest of the platform works as ever. ``PAYMENTS_OFFLINE`` sends every currency to the offline
provider (development only). Inside ``payments_through(name)`` every payment goes to that
provider whatever is configured: the demo data is paid through the offline one, so seeding never
depends on, or reaches, a real provider."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

from .base import (
    Charge,
    PaymentProvider,
    PaymentProviderError,
    PaymentsUnavailable,
    ProviderPayment,
    ProviderRecord,
    ProviderRefund,
)

UNAVAILABLE = "unavailable"
KEYS = {"stripe": "STRIPE_SECRET_KEY", "paystack": "PAYSTACK_SECRET_KEY"}  # the setting each needs
_through: ContextVar[str | None] = ContextVar("payments_through", default=None)


@contextmanager
def payments_through(name: str) -> Iterator[None]:
    """Every payment started inside the block goes to provider ``name`` (``"offline"`` for the
    demo data), whatever the configuration says."""
    provider_named(name)  # an unknown name fails here, not at the first payment
    token = _through.set(name)
    try:
        yield
    finally:
        _through.reset(token)


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


def configured_provider(currency: str) -> str:
    """The provider ``PAYMENT_PROVIDERS`` gives ``currency``, whether or not it has a key."""
    providers = settings.PAYMENT_PROVIDERS
    return providers.get(currency.upper()) or providers.get("*", "stripe")


def has_key(name: str) -> bool:
    return name not in KEYS or bool(getattr(settings, KEYS[name], ""))


def provider_name_for(currency: str) -> str | None:
    """The provider that takes ``currency`` here, or None when payments in it are unavailable."""
    if (through := _through.get()) is not None:
        return through
    if settings.PAYMENTS_OFFLINE:
        return "offline"
    name = configured_provider(currency)
    if has_key(name):
        return name
    return "offline" if settings.PAYMENTS_OFFLINE_FALLBACK else None


def provider_for(currency: str) -> PaymentProvider:
    """The provider that takes ``currency``; PaymentsUnavailable (503) when none can."""
    name = provider_name_for(currency)
    if name is None:
        raise PaymentsUnavailable(currency.upper())
    return provider_named(name)


def payment_currencies() -> list[str]:
    """The currencies named in the configuration (the default one, those PAYMENT_PROVIDERS maps),
    then ``*`` (any other) when PAYMENT_PROVIDERS has it."""
    named = {settings.DEFAULT_CURRENCY.upper()} | {c for c in settings.PAYMENT_PROVIDERS if c != "*"}
    return sorted(named) + (["*"] if "*" in settings.PAYMENT_PROVIDERS else [])


def payment_availability() -> dict[str, str]:
    """Which currencies can be paid, and through which provider: ``{"USD": "stripe",
    "NGN": "unavailable"}`` (``offline`` in development without the provider's key)."""
    return {currency: provider_name_for(currency) or UNAVAILABLE for currency in payment_currencies()}


__all__ = [
    "Charge",
    "PaymentProvider",
    "PaymentProviderError",
    "PaymentsUnavailable",
    "ProviderPayment",
    "ProviderRecord",
    "ProviderRefund",
    "configured_provider",
    "payment_availability",
    "payments_through",
    "provider_for",
    "provider_name_for",
    "provider_named",
]
