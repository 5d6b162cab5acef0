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
