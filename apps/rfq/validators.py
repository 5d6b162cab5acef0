"""Field validators of the RFQ app."""

from django.core.exceptions import ValidationError
from rest_framework import serializers

from apps.orders.api import AddressSerializer

COUNTRY_MESSAGE = "Use an ISO 3166-1 alpha-2 country code, e.g. NG or US."


def country_code_normalize(value: str) -> str:
    """``" ng "`` → ``"NG"``; blank stays blank. Raises ValidationError for an unknown code.

    The list of countries is the one orders validates addresses with (``apps.orders.api``), so
    an RFQ's country and an order's address country always agree."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    try:
        return AddressSerializer().validate_country(code)
    except serializers.ValidationError as exc:
        raise ValidationError(COUNTRY_MESSAGE, code="invalid_country") from exc


def country_code_validator(value: str) -> None:
    """Model-field validator: the stored value must already be a known upper-case code."""
    if value and country_code_normalize(value) != value:
        raise ValidationError(COUNTRY_MESSAGE, code="invalid_country")


# --- Text: no NUL characters ---------------------------------------------------------------------

NUL_MESSAGE = "Null characters are not allowed."
NUL_CODE = "null_characters_not_allowed"


def contains_nul(value) -> bool:
    """True if ``value`` (text, or a JSON-like structure of dicts, lists and text — keys
    included) holds a NUL character, which PostgreSQL cannot store in text or jsonb."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


def nul_free_validator(value) -> None:
    """Field validator (forms, serializers, services): ValidationError for a NUL character."""
    if contains_nul(value):
        raise ValidationError(NUL_MESSAGE, code=NUL_CODE)


def nul_free_check(values: dict) -> None:
    """``{attr: value}`` → one ValidationError naming every attr whose value holds a NUL."""
    errors = {
        attr: [ValidationError(NUL_MESSAGE, code=NUL_CODE)]
        for attr, value in values.items()
        if contains_nul(value)
    }
    if errors:
        raise ValidationError(errors)
