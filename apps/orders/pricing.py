"""Money rules: rounding per currency's minor unit, shipping and tax.

Shipping and tax are simple, configurable rules (docs/configuration.md):
- ``ORDER_SHIPPING_FLAT``: a flat shipping charge per order, per currency (``USD:15,NGN:5000``);
  a currency not listed ships free.
- ``ORDER_FREE_SHIPPING_OVER``: no shipping charge when the subtotal reaches this, per currency.
- ``ORDER_TAX_RATES``: a tax rate in percent per currency (``NGN:7.5``), applied to subtotal plus
  shipping; a currency not listed is not taxed.
Every amount is a Decimal rounded half-up to the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# Currencies without a minor unit as the payment providers take them (ISO 4217's, plus MGA, which
# Stripe and Paystack charge in whole ariary); the rest use 2 decimals (amounts are stored with 2).
ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


def minor_unit_exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def money_round(amount: Decimal, currency: str) -> Decimal:
    exponent = minor_unit_exponent(currency)
    return (
        Decimal(amount)
        .quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
        .quantize(Decimal("0.01"))
    )


def to_minor_units(amount: Decimal, currency: str) -> int:
    """What providers take: 1499.00 USD → 149900; 1500 JPY → 1500."""
    return int(money_round(amount, currency).scaleb(minor_unit_exponent(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return money_round(Decimal(value).scaleb(-minor_unit_exponent(currency)), currency)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


def totals_for(*, subtotal: Decimal, currency: str) -> Totals:
    currency = currency.upper()
    subtotal = money_round(subtotal, currency)
    shipping = Decimal("0")
    if subtotal > 0:
        flat = settings.ORDER_SHIPPING_FLAT.get(currency)
        free_over = settings.ORDER_FREE_SHIPPING_OVER.get(currency)
        if flat and not (free_over is not None and subtotal >= free_over):
            shipping = money_round(flat, currency)
    rate = settings.ORDER_TAX_RATES.get(currency, Decimal("0"))
    tax = money_round((subtotal + shipping) * rate / Decimal(100), currency)
    return Totals(subtotal=subtotal, shipping=shipping, tax=tax, total=subtotal + shipping + tax)
