"""Stock rules, through the services."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from apps.core.models import ActivityLog
from apps.inventory import services
from apps.inventory.models import Reservation, StockLevel, StockMovement
from apps.inventory.selectors import ledger_differences
from apps.inventory.services import ReservationRequest
from tests.catalog.factories import VariantFactory

from .factories import WarehouseFactory, stocked

pytestmark = pytest.mark.django_db


def request_for(variant, quantity, line=""):
    return ReservationRequest(variant_id=variant.pk, sku=variant.sku, quantity=quantity, line_reference=line)


def test_an_adjustment_changes_stock_and_writes_one_movement_and_an_activity_entry(make_user):
    variant, warehouse, actor = VariantFactory(), WarehouseFactory(), make_user("logistics")
    movement = services.stock_adjust(
        variant=variant, warehouse=warehouse, quantity_delta=12, reason="received", note="PO 17", actor=actor
    )
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    assert (level.on_hand, level.reserved, level.available) == (12, 0, 12)
    assert StockMovement.objects.filter(stock_level=level).count() == 1
    assert (movement.on_hand_delta, movement.reason, movement.actor, movement.note) == (
        12,
        "received",
        actor,
        "PO 17",
    )
    assert ActivityLog.objects.filter(action="adjust", entity_id=str(level.pk)).exists()


def test_an_adjustment_below_zero_or_below_reserved_is_refused_and_changes_nothing():
    variant = VariantFactory()
    level = stocked(variant, on_hand=5)
    services.stock_reserve(lines=[request_for(variant, 3)], reference="order:A", expires_at=None)
    with pytest.raises(services.StockConflict) as exc:
        services.stock_adjust(variant=variant, warehouse=level.warehouse, quantity_delta=-3, reason="damaged")
    assert "3 reserved" in exc.value.detail
    with pytest.raises(services.StockConflict):
        services.stock_adjust(variant=variant, warehouse=level.warehouse, quantity_delta=-9, reason="damaged")
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (5, 3)
    assert StockMovement.objects.filter(stock_level=level).count() == 2  # received + reservation
    services.stock_adjust(variant=variant, warehouse=level.warehouse, quantity_delta=-2, reason="damaged")
    level.refresh_from_db()
    assert (level.on_hand, level.available) == (3, 0)


def test_adjustment_reasons_are_the_people_kind_only():
    with pytest.raises(services.ApplicationError):
        services.stock_adjust(
            variant=VariantFactory(), warehouse=WarehouseFactory(), quantity_delta=1, reason="sale"
        )


def test_the_database_refuses_reserved_above_on_hand_whatever_the_code_does():
    level = stocked(VariantFactory(), on_hand=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(reserved=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(on_hand=-1, reserved=0)


def test_reservations_take_from_warehouses_by_priority_and_never_more_than_available():
    variant = VariantFactory()
    first, second, inactive = (
        WarehouseFactory(code="a", priority=1),
        WarehouseFactory(code="b", priority=2),
        WarehouseFactory(code="c", priority=0, is_active=False),
    )
    stocked(variant, second, on_hand=10)
    stocked(variant, first, on_hand=4)
    stocked(variant, inactive, on_hand=50)
    reservations = services.stock_reserve(
        lines=[request_for(variant, 6)], reference="order:1", expires_at=None
    )
    assert [(r.warehouse.code, r.quantity) for r in reservations] == [("a", 4), ("b", 2)]
    with pytest.raises(services.InsufficientStock) as exc:
        services.stock_reserve(lines=[request_for(variant, 9)], reference="order:2", expires_at=None)
    assert (
        "Only 8" in exc.value.detail
        and exc.value.status_code == 409
        and exc.value.code == "insufficient_stock"
    )


def test_lines_of_the_same_variant_share_its_stock_with_one_movement_each():
    variant = VariantFactory()
    first, second = WarehouseFactory(code="a", priority=1), WarehouseFactory(code="b", priority=2)
    stocked(variant, first, on_hand=4)
    stocked(variant, second, on_hand=3)
    reservations = services.stock_reserve(
        lines=[request_for(variant, 3), request_for(variant, 3)], reference="order:same", expires_at=None
    )
    assert [(r.warehouse.code, r.quantity) for r in reservations] == [("a", 3), ("a", 1), ("b", 2)]
    assert dict(StockLevel.objects.values_list("warehouse__code", "reserved")) == {"a": 4, "b": 2}
    movements = StockMovement.objects.filter(reference="order:same").order_by("created_at", "pk")
    assert sorted(m.reserved_delta for m in movements) == [1, 2, 3]
    with pytest.raises(services.InsufficientStock) as exc, transaction.atomic():
        services.stock_reserve(
            lines=[request_for(variant, 1), request_for(variant, 1)], reference="order:none", expires_at=None
        )
    assert exc.value.attr == "lines.1" and "Only 0" in exc.value.detail
    assert ledger_differences() == []


def test_a_short_line_reserves_nothing_for_any_line():
    plenty, scarce = VariantFactory(), VariantFactory()
    stocked(plenty, on_hand=10)
    stocked(scarce, on_hand=1)
    with pytest.raises(services.InsufficientStock) as exc, transaction.atomic():
        services.stock_reserve(
            lines=[request_for(plenty, 2), request_for(scarce, 2)], reference="order:x", expires_at=None
        )
    assert exc.value.attr == "lines.1"
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == 0
    assert not Reservation.objects.exists()


def test_commit_and_release_settle_each_reservation_once():
    variant = VariantFactory()
    level = stocked(variant, on_hand=10)
    services.stock_reserve(lines=[request_for(variant, 3)], reference="order:paid", expires_at=None)
    services.stock_reserve(lines=[request_for(variant, 2)], reference="order:gone", expires_at=None)
    assert services.reservations_commit(reference="order:paid") == 1
    assert services.reservations_commit(reference="order:paid") == 0
    assert services.reservations_release(reference="order:gone", expired=True) == 1
    assert services.reservations_release(reference="order:gone") == 0
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (7, 0)
    assert set(Reservation.objects.values_list("reference", "state")) == {
        ("order:paid", "committed"),
        ("order:gone", "expired"),
    }
    reasons = list(
        StockMovement.objects.filter(stock_level=level)
        .order_by("created_at")
        .values_list("reason", flat=True)
    )
    assert reasons == ["received", "reservation", "reservation", "sale", "release"]


def test_restock_writes_a_returned_movement():
    variant = VariantFactory()
    level = stocked(variant, on_hand=1)
    movement = services.stock_restock(
        variant=variant, warehouse=level.warehouse, quantity=2, reference="refund:r1"
    )
    level.refresh_from_db()
    assert (level.on_hand, movement.reason) == (3, "returned")


def test_verify_stock_ledger_reports_a_level_that_drifted(capsys):
    level = stocked(VariantFactory(), on_hand=4)
    call_command("verify_stock_ledger")
    assert "consistent" in capsys.readouterr().out
    StockLevel.objects.filter(pk=level.pk).update(on_hand=6)  # a write that skipped the ledger
    assert [d["ledger_on_hand"] for d in ledger_differences()] == [4]
    with pytest.raises(Exception, match="1 stock level"):
        call_command("verify_stock_ledger")
