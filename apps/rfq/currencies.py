"""The currencies a quote may be written in: real ISO 4217 currencies that can be charged.

No list of ISO 4217 codes existed in the codebase (``apps.core.models.currency_code_validator``
only checks the shape: three capital letters) and no currency package (pycountry, babel) is
installed, so the list lives here. It holds the ISO 4217 codes in circulation (list one, as
of 2025), without the fund codes, precious metals, SDRs and testing codes, which no customer
pays in (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XAG, XAU, XBA-XBD, XDR, XPD, XPT, XSU,
XTS, XUA, XXX) and without the withdrawn ones (HRK, SLL, ZWL, CUC...).

``PAYMENT_PROVIDERS`` decides which provider takes which currency: with a ``*`` entry every
currency above is sellable; without one, only the currencies it lists.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 (a block of codes reads better than a 170-item literal)
)


def sellable_currencies() -> frozenset[str]:
    """ISO 4217 currencies a payment provider is configured for (``PAYMENT_PROVIDERS``)."""
    configured = {code.upper() for code in settings.PAYMENT_PROVIDERS}
    if "*" in configured:
        return ISO_4217
    return ISO_4217 & configured


def quote_currency_normalize(value) -> str:
    """``" usd "`` → ``"USD"``; ValidationError (code ``invalid_currency``) for anything that is
    not a sellable ISO 4217 currency."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_4217:
        raise ValidationError(
            f"{code or value!r} is not an ISO 4217 currency code (e.g. USD, EUR, NGN).",
            code="invalid_currency",
        )
    if code not in sellable_currencies():
        raise ValidationError(
            f"Payments in {code} are not configured; use one of: {', '.join(sorted(sellable_currencies()))}.",
            code="invalid_currency",
        )
    return code
