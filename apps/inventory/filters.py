import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.filters import IsoDateTimeFilter, StrictBooleanFilter

from .models import StockLevel, StockMovement


class StockLevelFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="variant__sku", lookup_expr="iexact")
    warehouse = django_filters.CharFilter(
        field_name="warehouse__code", lookup_expr="iexact", label="Warehouse code"
    )
    low_stock = StrictBooleanFilter(
        method="filter_low_stock",
        label="Available at or below the threshold (the level's own, else the site's)",
    )

    class Meta:
        model = StockLevel
        fields = ["sku", "warehouse", "low_stock"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_low_stock(self, queryset, name, value):
        return queryset.filter(is_low=value)  # annotated by selectors.stock_level_list


class StockMovementFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="variant__sku", lookup_expr="iexact")
    warehouse = django_filters.CharFilter(
        field_name="warehouse__code", lookup_expr="iexact", label="Warehouse code"
    )
    reason = django_filters.ChoiceFilter(choices=StockMovement.Reason.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = StockMovement
        fields = ["sku", "warehouse", "reason", "created_after"]
