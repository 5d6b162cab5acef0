from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.core.models import currency_code_validator
from apps.orders.api import AddressSerializer
from apps.rfq.currencies import quote_currency_normalize
from apps.rfq.models import RFQ, Quote, QuoteLine, RFQItem, RFQStatusHistory
from apps.rfq.services.emails import quote_public_url
from apps.rfq.validators import country_code_normalize, nul_free_validator

MONEY = {"max_digits": 12, "decimal_places": 2}

# --- Input -------------------------------------------------------------------------------------


class RFQItemInSerializer(serializers.Serializer):
    product = serializers.CharField(
        required=False, allow_blank=True, max_length=220, help_text="A product's slug (or give a sku)."
    )
    sku = serializers.CharField(required=False, allow_blank=True, max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, data):
        product, sku = data.get("product", "").strip(), data.get("sku", "").strip()
        if product and sku:
            raise serializers.ValidationError({"sku": "Give a product or a SKU, not both."})
        if not product and not sku:
            raise serializers.ValidationError({"product": "Give a product (slug) or a sku."})
        return {"product": product, "sku": sku, "quantity": data["quantity"], "notes": data["notes"]}


class RFQCreateSerializer(serializers.Serializer):
    full_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless signed in (then the profile's).",
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless signed in (then the account's).",
    )
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2, e.g. NG."
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    items = serializers.ListField(
        child=RFQItemInSerializer(), allow_empty=False, min_length=1, max_length=settings.RFQ_MAX_ITEMS
    )
    product_category = serializers.CharField(
        max_length=140,
        required=False,
        allow_blank=True,
        default="",
        help_text="A category slug; derived from the items' products when not given.",
    )
    budget_range = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    timeline = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    requirements = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    specifications = serializers.DictField(
        required=False, default=dict, validators=[nul_free_validator], help_text="Free-form JSON object."
    )

    def validate_country(self, value):
        try:
            return country_code_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0]) from exc

    def _signed_in(self) -> bool:
        user = self.context["request"].user
        return bool(user and user.is_authenticated)

    def validate_full_name(self, value):
        if not value.strip() and not self._signed_in():
            raise serializers.ValidationError("This field is required.", code="required")
        return value

    def validate_email(self, value):
        if not value and not self._signed_in():
            raise serializers.ValidationError("This field is required.", code="required")
        return value

    def validate(self, data):
        """A signed-in requester's name and email default to their profile's."""
        user = self.context["request"].user
        if self._signed_in():
            data["full_name"] = data["full_name"].strip() or user.full_name or user.email
            data["email"] = data["email"] or user.email
        return data


class RFQUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RFQ.Status.choices, required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Why the status changes (kept in the history).",
    )
    assigned_to = serializers.UUIDField(
        required=False, allow_null=True, help_text="A sales user's id; null to unassign."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class QuoteLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price = serializers.DecimalField(
        **MONEY,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="In the quote's currency; the catalog price when left out.",
    )
    description = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")


class QuoteCreateSerializer(serializers.Serializer):
    currency = serializers.CharField(
        min_length=3,
        max_length=3,
        validators=[currency_code_validator],
        help_text="ISO 4217, one a payment provider takes (PAYMENT_PROVIDERS), e.g. USD, NGN.",
    )
    valid_until = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Last day the customer may accept; default RFQ_QUOTE_VALID_DAYS from today.",
    )
    lines = serializers.ListField(child=QuoteLineInSerializer(), allow_empty=False, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            data = {**data, "currency": data["currency"].strip().upper()}
        return super().to_internal_value(data)

    def validate_currency(self, value):
        try:
            return quote_currency_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code="invalid_currency") from exc


class QuoteTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The quote's public token (from the email link), for a requester not signed in; "
        "may also be sent as ?token=.",
    )


class QuoteAcceptSerializer(QuoteTokenSerializer):
    shipping_address = AddressSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="Where the order ships: required to place the order (400 when missing); not "
        "needed to get an already placed order back.",
    )
    billing_address = AddressSerializer(required=False, allow_null=True, default=None)


class QuoteDeclineSerializer(QuoteTokenSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# --- Output ------------------------------------------------------------------------------------


class RFQCategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class RFQAssigneeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class RFQItemSerializer(serializers.ModelSerializer):
    product = serializers.CharField(
        source="product.slug",
        allow_null=True,
        default=None,
        help_text="The product's slug (null if it left the catalog).",
    )

    class Meta:
        model = RFQItem
        fields = ["id", "product", "product_name", "sku", "quantity", "notes"]


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ["id", "sku", "description", "quantity", "unit_price", "line_total"]


class OrderRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField()


class QuoteSerializer(serializers.ModelSerializer):
    """A quote as its customer sees it."""

    rfq = serializers.UUIDField(source="rfq_id")
    rfq_number = serializers.CharField(source="rfq.number")
    lines = QuoteLineSerializer(many=True)
    order = OrderRefSerializer(allow_null=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "rfq",
            "rfq_number",
            "version",
            "status",
            "currency",
            "lines",
            "subtotal",
            "shipping",
            "tax",
            "total",
            "valid_until",
            "notes",
            "sent_at",
            "accepted_at",
            "declined_at",
            "decline_reason",
            "order",
            "created_at",
        ]


class QuoteStaffSerializer(QuoteSerializer):
    """A quote as sales see it: with its public link (what the customer got) and its author."""

    public_url = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "public_url", "created_by"]

    def get_public_url(self, quote) -> str:
        return quote_public_url(quote=quote)


class HistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = RFQStatusHistory
        fields = ["from_status", "to_status", "reason", "created_at"]


class HistoryStaffSerializer(HistorySerializer):
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta(HistorySerializer.Meta):
        fields = [*HistorySerializer.Meta.fields, "actor"]


class RFQListSerializer(serializers.ModelSerializer):
    """An RFQ in a list, as its requester sees it."""

    product_category = RFQCategorySerializer(allow_null=True)
    items = RFQItemSerializer(many=True)
    quote_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RFQ
        fields = [
            "id",
            "number",
            "status",
            "full_name",
            "email",
            "company",
            "country",
            "phone",
            "product_category",
            "budget_range",
            "timeline",
            "items",
            "quote_count",
            "quote_sent_at",
            "decision_date",
            "created_at",
            "updated_at",
        ]


class RFQStaffListSerializer(RFQListSerializer):
    """An RFQ in a list, as staff see it: with the assignee, the customer account and the inquiry."""

    assigned_to = RFQAssigneeSerializer(allow_null=True)
    customer = serializers.UUIDField(source="customer_id", allow_null=True)

    class Meta(RFQListSerializer.Meta):
        fields = [*RFQListSerializer.Meta.fields, "assigned_to", "customer", "inquiry_id"]


class RFQDetailSerializer(RFQListSerializer):
    quotes = QuoteSerializer(many=True)
    history = HistorySerializer(many=True)

    class Meta(RFQListSerializer.Meta):
        fields = [*RFQListSerializer.Meta.fields, "requirements", "specifications", "quotes", "history"]


class RFQStaffDetailSerializer(RFQStaffListSerializer):
    quotes = QuoteStaffSerializer(many=True)
    history = HistoryStaffSerializer(many=True)

    class Meta(RFQStaffListSerializer.Meta):
        fields = [
            *RFQStaffListSerializer.Meta.fields,
            "requirements",
            "specifications",
            "notes",
            "quotes",
            "history",
        ]


class RFQCreatedSerializer(serializers.ModelSerializer):
    """What the requester gets back from a submission."""

    product_category = RFQCategorySerializer(allow_null=True)
    items = RFQItemSerializer(many=True)

    class Meta:
        model = RFQ
        fields = [
            "id",
            "number",
            "status",
            "full_name",
            "email",
            "company",
            "country",
            "product_category",
            "items",
            "created_at",
        ]


class QuotePaymentSerializer(serializers.Serializer):
    provider = serializers.CharField()
    reference = serializers.CharField()
    client_secret = serializers.CharField(
        help_text="Stripe: the PaymentIntent's client secret; Paystack: the access code."
    )


class AcceptedOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(**MONEY)
    shipping = serializers.DecimalField(**MONEY)
    tax = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    reserved_until = serializers.DateTimeField(allow_null=True)


class QuoteRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class QuoteAcceptedSerializer(serializers.Serializer):
    """The order placed from the quote (at the quoted prices) and the payment to complete."""

    order = AcceptedOrderSerializer()
    payment = QuotePaymentSerializer(allow_null=True)
    quote = QuoteRefSerializer()
