from rest_framework import serializers

from apps.tracking.models import Carrier, Shipment, ShipmentEvent


class CarrierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Carrier
        fields = ["code", "name", "tracking_url_template", "is_active"]
        read_only_fields = fields


class ShipmentLineInSerializer(serializers.Serializer):
    line = serializers.UUIDField(required=False, help_text="The order line's id (or give its sku).")
    sku = serializers.CharField(required=False, max_length=64)
    quantity = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: all not yet shipped."
    )

    def validate(self, attrs):
        if not attrs.get("line") and not attrs.get("sku"):
            raise serializers.ValidationError("Give the order line's id as 'line' or its 'sku'.")
        return attrs


class ShipmentCreateSerializer(serializers.Serializer):
    order = serializers.CharField(max_length=32, help_text="The order number, e.g. FD-2026-000123.")
    carrier = serializers.SlugField(
        max_length=32,
        help_text='A carrier code from GET /api/v1/carriers (an active carrier), e.g. "dhl".',
    )
    tracking_number = serializers.CharField(max_length=64)
    lines = ShipmentLineInSerializer(
        many=True, required=False, help_text="Partial shipment; default: every unit not yet shipped."
    )


class ShipmentEventInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    occurred_at = serializers.DateTimeField(
        required=False, help_text="Default: now. Older than the current state's: recorded, not applied."
    )


class ShipmentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShipmentEvent
        fields = [
            "id",
            "from_status",
            "to_status",
            "applied",
            "location",
            "note",
            "source",
            "carrier_status",
            "occurred_at",
            "recorded_at",
        ]
        read_only_fields = fields


class ShipmentLineSerializer(serializers.Serializer):
    line = serializers.UUIDField(source="order_line_id")
    sku = serializers.CharField(source="order_line.sku")
    name = serializers.CharField(source="order_line.name")
    quantity = serializers.IntegerField()


class ShipmentSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    carrier = serializers.CharField(source="carrier.code")
    carrier_name = serializers.CharField(source="carrier.name")
    tracking_url = serializers.SerializerMethodField()
    allowed_statuses = serializers.SerializerMethodField()
    lines = ShipmentLineSerializer(many=True)
    events = ShipmentEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order",
            "carrier",
            "carrier_name",
            "tracking_number",
            "tracking_code",
            "tracking_url",
            "status",
            "allowed_statuses",
            "status_at",
            "delivered_at",
            "lines",
            "events",
            "created_at",
        ]
        read_only_fields = fields

    def get_tracking_url(self, obj) -> str:
        return obj.carrier.tracking_url(obj.tracking_number)

    def get_allowed_statuses(self, obj) -> list[str]:
        from apps.tracking.workflows import SHIPMENT

        return list(SHIPMENT.allowed_next(obj.status))


class EventResultSerializer(serializers.Serializer):
    event = ShipmentEventSerializer()
    moved = serializers.BooleanField(
        help_text="False: recorded only (a late event, or the same status again)."
    )
    shipment = ShipmentSerializer()


class WebhookResultSerializer(serializers.Serializer):
    duplicate = serializers.BooleanField()
    applied = serializers.BooleanField()
    moved = serializers.BooleanField(required=False)
    status = serializers.CharField(allow_null=True)


class TimelineShipmentRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_code = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["order", "shipment"])
    status = serializers.CharField()
    from_status = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()
    note = serializers.CharField()
    applied = serializers.BooleanField()
    shipment = TimelineShipmentRefSerializer(allow_null=True)


class TimelineShipmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_code = serializers.CharField()
    tracking_url = serializers.CharField()
    status = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class OrderTimelineSerializer(serializers.Serializer):
    order = serializers.CharField()
    status = serializers.CharField()
    shipments = TimelineShipmentSerializer(many=True)
    timeline = TimelineEntrySerializer(many=True)


class PublicEventSerializer(serializers.Serializer):
    status = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()


class PublicTrackingSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    carrier = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    events = PublicEventSerializer(many=True)
