"""The inventory's public surface for other apps (orders reserves, commits and releases).

Owns: warehouses, stock levels, the stock ledger (``StockMovement``) and reservations.

Offers: reserving, committing, releasing and restocking stock (``stock_reserve``,
``reservations_commit``, ``reservations_release``, ``stock_restock``; ``InsufficientStock``),
units available per variant (``available_by_variant``, ``available_expression``,
``available_sql``), and for the exports and the order admin ``Reservation``, ``StockMovement``
and ``StockMovementFilter``.

Events: emits none."""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from .filters import StockMovementFilter
from .models import Reservation, StockLevel, StockMovement, Warehouse
from .services import (
    InsufficientStock,
    ReservationRequest,
    reservations_commit,
    reservations_release,
    stock_reserve,
    stock_reserve_in_transaction,
    stock_restock,
)


def available_by_variant(*, variant_ids: Iterable[UUID | str]) -> dict:
    """{variant id: units available to sell} across active warehouses (absent: 0)."""
    rows = (
        StockLevel.objects.filter(variant_id__in=list(variant_ids), warehouse__is_active=True)
        .values("variant_id")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
    )
    return {row["variant_id"]: max(row["n"] or 0, 0) for row in rows}


def available_expression(*, variant_ref: str = "pk") -> Greatest:
    """A queryset expression: units of the variant available to sell across active warehouses."""
    total = (
        StockLevel.objects.filter(variant_id=OuterRef(variant_ref), warehouse__is_active=True)
        .values("variant_id")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
        .values("n")[:1]
    )
    return Greatest(Coalesce(Subquery(total, output_field=IntegerField()), Value(0)), Value(0))


def available_sql(*, variant_column: str) -> str:
    """A SQL expression for hand-written hot-path queries: units of the variant whose id is in
    ``variant_column`` available to sell across active warehouses (may be negative only if the
    database CHECK were gone: clamp at 0 when reading). Same rule as ``available_expression``."""
    return (
        f"(SELECT COALESCE(SUM(s.on_hand - s.reserved), 0) FROM {StockLevel._meta.db_table} s "  # noqa: S608 - table and column names from code
        f"JOIN {Warehouse._meta.db_table} w ON w.id = s.warehouse_id "
        f"WHERE s.variant_id = {variant_column} AND w.is_active)"
    )


def default_restock_warehouse() -> Warehouse | None:
    return Warehouse.objects.filter(is_active=True).order_by("priority", "code").first()


__all__ = [
    "Reservation",
    "StockMovement",
    "StockMovementFilter",
    "InsufficientStock",
    "ReservationRequest",
    "available_by_variant",
    "available_expression",
    "available_sql",
    "default_restock_warehouse",
    "reservations_commit",
    "reservations_release",
    "stock_reserve",
    "stock_reserve_in_transaction",
    "stock_restock",
]
