from datetime import datetime

from django.db.models import Case, ExpressionWrapper, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from apps.core.selectors import site_settings_get

from .models import StockLevel, StockMovement


def stock_level_list(
    *, sku: str | None = None, warehouse: str | None = None, low_stock: bool | None = None
) -> QuerySet:
    """Stock levels with ``available`` and the effective ``threshold`` annotated (the level's
    own, else the site's), variant, product and warehouse joined in: one query per page."""
    site_threshold = site_settings_get().low_stock_threshold
    qs = (
        StockLevel.objects.select_related("variant__product", "warehouse")
        .annotate(
            available_qty=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField()),
            threshold=Coalesce(F("low_stock_threshold"), Value(site_threshold)),
        )
        .annotate(is_low=Case(When(available_qty__lte=F("threshold"), then=True), default=False))
        .order_by("variant__sku", "warehouse__priority", "warehouse__code")
    )
    if sku:
        qs = qs.filter(variant__sku__iexact=sku)
    if warehouse:
        qs = qs.filter(warehouse__code__iexact=warehouse)
    if low_stock is True:
        qs = qs.filter(is_low=True)
    elif low_stock is False:
        qs = qs.filter(is_low=False)
    return qs


def stock_movement_list(
    *,
    sku: str | None = None,
    warehouse: str | None = None,
    reason: str | None = None,
    created_after: datetime | None = None,
) -> QuerySet:
    qs = StockMovement.objects.select_related("variant", "warehouse", "actor")
    if sku:
        qs = qs.filter(variant__sku__iexact=sku)
    if warehouse:
        qs = qs.filter(warehouse__code__iexact=warehouse)
    if reason:
        qs = qs.filter(reason=reason)
    if created_after:
        qs = qs.filter(created_at__gt=created_after)
    return qs


def ledger_differences() -> list[dict]:
    """Stock levels that do not equal the sum of their movements (should be none)."""
    from django.db.models import Sum

    sums = {
        row["stock_level_id"]: row
        for row in StockMovement.objects.values("stock_level_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
    }
    differences = []
    for level in StockLevel.objects.select_related("variant", "warehouse").iterator(chunk_size=2000):
        row = sums.get(level.pk, {"on_hand": 0, "reserved": 0})
        if (level.on_hand, level.reserved) != (row["on_hand"] or 0, row["reserved"] or 0):
            differences.append(
                {
                    "stock_level": str(level.pk),
                    "sku": level.variant.sku,
                    "warehouse": level.warehouse.code,
                    "on_hand": level.on_hand,
                    "ledger_on_hand": row["on_hand"] or 0,
                    "reserved": level.reserved,
                    "ledger_reserved": row["reserved"] or 0,
                }
            )
    return differences
