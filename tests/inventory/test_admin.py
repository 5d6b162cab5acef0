"""The inventory admin: the "Adjust stock" action goes through the service (ledger, activity
log, conflicts refused); ledger and reservations are read-only."""

import pytest
from django.urls import reverse

from apps.core.models import ActivityLog
from apps.inventory.models import StockLevel, StockMovement
from tests.catalog.factories import VariantFactory

from .factories import WarehouseFactory, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    user = make_user("logistics", is_staff=True)
    client.force_login(user)
    return client


def test_adjust_stock_action_asks_then_applies_through_the_service(staff_client):
    level = stocked(VariantFactory(sku="ADM-1"), WarehouseFactory(code="main"), on_hand=4)
    url = reverse("admin:inventory_stocklevel_changelist")
    form = staff_client.post(url, {"action": "adjust_stock", "_selected_action": [level.pk]})
    assert form.status_code == 200 and b"quantity_delta" in form.content and b"ADM-1" in form.content
    done = staff_client.post(
        url,
        {
            "action": "adjust_stock",
            "_selected_action": [level.pk],
            "apply": "1",
            "quantity_delta": "6",
            "reason": "received",
            "note": "pallet 3",
        },
        follow=True,
    )
    assert b"Adjusted 1 stock level" in done.content
    level.refresh_from_db()
    assert level.on_hand == 10
    assert StockMovement.objects.filter(stock_level=level, note="pallet 3", on_hand_delta=6).count() == 1
    assert ActivityLog.objects.filter(action="adjust", entity_id=str(level.pk)).count() == 2


def test_adjust_stock_action_refuses_going_below_zero(staff_client):
    level = stocked(VariantFactory(sku="ADM-2"), WarehouseFactory(code="main"), on_hand=1)
    response = staff_client.post(
        reverse("admin:inventory_stocklevel_changelist"),
        {
            "action": "adjust_stock",
            "_selected_action": [level.pk],
            "apply": "1",
            "quantity_delta": "-5",
            "reason": "damaged",
        },
        follow=True,
    )
    assert b"below 0" in response.content
    level.refresh_from_db()
    assert level.on_hand == 1 and StockMovement.objects.filter(stock_level=level).count() == 1


def test_stock_pages_render_and_the_ledger_is_read_only(staff_client):
    level = stocked(VariantFactory(sku="ADM-3"), WarehouseFactory(code="main"), on_hand=2)
    for name in ("stocklevel", "stockmovement", "reservation", "warehouse"):
        assert staff_client.get(reverse(f"admin:inventory_{name}_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:inventory_stocklevel_change", args=[level.pk])).status_code == 200
    movement = StockMovement.objects.get(stock_level=level)
    page = staff_client.get(reverse("admin:inventory_stockmovement_change", args=[movement.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert staff_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    assert StockLevel.objects.get(pk=level.pk).on_hand == 2
