from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.inventory.models import StockLevel, StockMovement


class StockLevelSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    variant_name = serializers.CharField(source="variant.name")
    product = serializers.CharField(source="variant.product.name")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField(source="available_qty")
    low_stock_threshold = serializers.IntegerField(
        source="threshold", help_text="The level's own, else the site's."
    )
    low_stock = serializers.BooleanField(source="is_low")

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "sku",
            "variant_name",
            "product",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "low_stock_threshold",
            "low_stock",
            "updated_at",
        ]


class StockMovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "warehouse",
            "on_hand_delta",
            "reserved_delta",
            "reason",
            "reference",
            "actor",
            "note",
            "created_at",
        ]


@extend_schema_field(
    {
        "type": "integer",
        "anyOf": [{"minimum": 1, "maximum": 1_000_000}, {"minimum": -1_000_000, "maximum": -1}],
    }
)
class QuantityDeltaField(serializers.IntegerField):
    """A stock change: from -1,000,000 to 1,000,000, never 0."""


class AdjustmentSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    warehouse = serializers.CharField(max_length=32, help_text="Warehouse code.")
    quantity_delta = QuantityDeltaField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.ChoiceField(choices=StockMovement.ADJUSTMENT_REASONS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_quantity_delta(self, value):
        if value == 0:
            raise serializers.ValidationError("Must not be 0.")
        return value


class AdjustmentResultSerializer(serializers.Serializer):
    movement = StockMovementSerializer()
    stock = StockLevelSerializer()
