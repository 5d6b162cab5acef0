from rest_framework import serializers

from apps.core.models import currency_code_validator
from apps.orders.addresses import AddressSerializer
from apps.orders.models import Order, OrderStatusHistory, Payment, Refund


class CartCreateSerializer(serializers.Serializer):
    currency = serializers.CharField(min_length=3, max_length=3, validators=[currency_code_validator])

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            data = {**data, "currency": data["currency"].upper()}
        return super().to_internal_value(data)


class CartItemOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    product_slug = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    available = serializers.IntegerField()
    purchasable = serializers.BooleanField()


class CartSerializer(serializers.Serializer):
    """Built by selectors.cart_detail; prices are read from the catalog at every read."""

    id = serializers.UUIDField()
    token = serializers.CharField(help_text="Send it as X-Cart-Token to use an anonymous cart.")
    currency = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.UUIDField(allow_null=True)
    expires_at = serializers.DateTimeField()
    items = CartItemOutSerializer(many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)

    def to_representation(self, cart: dict):
        return {**cart, "expires_at": serializers.DateTimeField().to_representation(cart["expires_at"])}


class CartItemAddSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class CheckoutSerializer(serializers.Serializer):
    cart_id = serializers.UUIDField()
    email = serializers.EmailField()
    shipping_address = AddressSerializer()
    billing_address = AddressSerializer(required=False, allow_null=True, default=None)


class OrderSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    reserved_until = serializers.DateTimeField(allow_null=True)


class PaymentStartSerializer(serializers.Serializer):
    provider = serializers.CharField()
    reference = serializers.CharField()
    client_secret = serializers.CharField(
        help_text="Stripe: the PaymentIntent's client secret; Paystack: the access code."
    )


class CheckoutResultSerializer(serializers.Serializer):
    order = OrderSummarySerializer()
    payment = PaymentStartSerializer()


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "amount", "reason", "status", "reference", "restock", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    order = serializers.CharField(
        source="order.number",
        allow_null=True,
        help_text="The order number; null for a service job's payment.",
    )
    job = serializers.UUIDField(
        source="subject_job_id", allow_null=True, help_text="The service job paid for, if any."
    )
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "order",
            "job",
            "provider",
            "reference",
            "amount",
            "currency",
            "status",
            "amount_captured",
            "amount_refunded",
            "review_reason",
            "succeeded_at",
            "created_at",
            "refunds",
        ]


class StatusHistorySerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = OrderStatusHistory
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class OrderListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "email",
            "currency",
            "subtotal",
            "shipping",
            "tax",
            "total",
            "needs_review",
            "created_at",
            "paid_at",
        ]


class OrderDetailSerializer(OrderListSerializer):
    items = OrderLineSerializer(source="lines", many=True)
    payments = PaymentSerializer(many=True)
    history = StatusHistorySerializer(many=True)
    shipments = serializers.SerializerMethodField(help_text="Arrives with the tracking module.")

    class Meta(OrderListSerializer.Meta):
        fields = [
            *OrderListSerializer.Meta.fields,
            "shipping_address",
            "billing_address",
            "reserved_until",
            "review_reason",
            "items",
            "payments",
            "history",
            "shipments",
        ]

    def get_shipments(self, order) -> list:
        return []


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RefundCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    restock = serializers.BooleanField(required=False, default=False)
    payment = serializers.UUIDField(
        required=False, help_text="Which payment; default: the order's captured one."
    )

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError("Must be greater than 0.")
        return value
