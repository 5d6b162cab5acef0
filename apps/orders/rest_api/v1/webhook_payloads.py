"""What the webhook processing reads from each provider event, as one serializer per event type:
a signed event is checked against it when it arrives, before anything is stored as accepted or
applied (services.webhooks). Fields the code does not read are not checked (providers add
fields); an event type with no schema here is stored and ignored, so only its envelope is checked.

Strict types: an amount is a JSON integer (not a string, a float or a boolean), as both
providers send it; strings the code reads refuse NUL characters (DRF's CharField does) and are
bounded by the columns they are compared with."""

from __future__ import annotations

from rest_framework import serializers

# Minor units: the largest order total (apps.orders.services.checkout) is about 10^12.
MAX_MINOR_UNITS = 10**14
EVENT_ID_MAX = 255  # Stripe's object ids are at most 255 characters
REFERENCE_MAX = 100  # Payment.reference
TYPE_MAX = 100  # WebhookEvent.type


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: ``"abc"``, ``"65"``, ``65.0`` and ``true`` are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField would turn a number or a boolean into one)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def minor_units(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=0, max_value=MAX_MINOR_UNITS, **kwargs)


def reference_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=REFERENCE_MAX, **kwargs)


def currency_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(r"^[A-Za-z]{3}\Z", max_length=3, **kwargs)


def text_field(**kwargs) -> StrictCharField:
    """Free text the code copies (a decline message, a dispute reason)."""
    return StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=5000, **kwargs)


# --- Stripe ---------------------------------------------------------------------------------
class StripeIntentSucceeded(serializers.Serializer):
    id = reference_field()
    amount = minor_units()
    amount_received = minor_units(required=False, allow_null=True)
    currency = currency_field()


class StripePaymentError(serializers.Serializer):
    message = text_field()


class StripeIntentFailed(serializers.Serializer):
    id = reference_field()
    last_payment_error = StripePaymentError(required=False, allow_null=True)


class StripeChargeRefunded(serializers.Serializer):
    id = reference_field(required=False)
    payment_intent = reference_field(required=False, allow_null=True, allow_blank=True)
    amount_refunded = minor_units()
    currency = currency_field()


class StripeDispute(serializers.Serializer):
    payment_intent = reference_field(required=False, allow_null=True, allow_blank=True)
    reason = text_field()


def _stripe_event(object_serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    data = type("Data", (serializers.Serializer,), {"object": object_serializer()})
    return type(
        f"Stripe{object_serializer.__name__}Event",
        (StripeEnvelope,),
        {"data": data()},
    )


class StripeObject(serializers.Serializer):
    object = serializers.DictField()


class StripeEnvelope(serializers.Serializer):
    id = StrictCharField(max_length=EVENT_ID_MAX)
    type = StrictCharField(max_length=TYPE_MAX)
    data = StripeObject()


STRIPE = {
    "payment_intent.succeeded": _stripe_event(StripeIntentSucceeded),
    "payment_intent.payment_failed": _stripe_event(StripeIntentFailed),
    "charge.refunded": _stripe_event(StripeChargeRefunded),
    "charge.dispute.created": _stripe_event(StripeDispute),
}


# --- Paystack -------------------------------------------------------------------------------
class PaystackChargeSuccess(serializers.Serializer):
    reference = reference_field()
    amount = minor_units()
    currency = currency_field(required=False, allow_null=True, allow_blank=True)


class PaystackRefundProcessed(serializers.Serializer):
    id = serializers.CharField(max_length=REFERENCE_MAX)  # Paystack sends a string or a number
    transaction_reference = reference_field()
    amount = StrictIntegerField(min_value=1, max_value=MAX_MINOR_UNITS)
    currency = currency_field(required=False, allow_null=True, allow_blank=True)


class PaystackDisputedTransaction(serializers.Serializer):
    reference = reference_field(required=False, allow_blank=True)


class PaystackDispute(serializers.Serializer):
    transaction = PaystackDisputedTransaction(required=False)
    reason = text_field()


class PaystackEnvelope(serializers.Serializer):
    event = StrictCharField(max_length=TYPE_MAX)
    data = serializers.DictField()


def _paystack_event(data_serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    return type(f"{data_serializer.__name__}Event", (PaystackEnvelope,), {"data": data_serializer()})


PAYSTACK = {
    "charge.success": _paystack_event(PaystackChargeSuccess),
    "refund.processed": _paystack_event(PaystackRefundProcessed),
    "charge.dispute.create": _paystack_event(PaystackDispute),
}


def _problems(errors, path: str = "") -> list[tuple[str, str]]:
    """DRF's nested errors as (dotted field, message) pairs."""
    if isinstance(errors, dict):
        found = []
        for name, value in errors.items():
            field = name if name != "non_field_errors" else ""
            found += _problems(value, f"{path}.{field}".strip(".") if field else path)
        return found
    if isinstance(errors, list) and errors and not isinstance(errors[0], str | serializers.ErrorDetail):
        return [p for index, item in enumerate(errors) for p in _problems(item, f"{path}.{index}")]
    return [(path, str(message)) for message in (errors if isinstance(errors, list) else [errors])]


def payload_problems(*, provider: str, type: str, payload) -> list[tuple[str, str]]:
    """Why a provider's event cannot be processed, as (field, message) pairs; empty when it can."""
    schemas, envelope = (PAYSTACK, PaystackEnvelope) if provider == "paystack" else (STRIPE, StripeEnvelope)
    serializer = schemas.get(type, envelope)(data=payload)
    return [] if serializer.is_valid() else _problems(serializer.errors)
