"""Demo stock: two warehouses, some stock low, some at zero, all of it in the ledger; seeding
twice changes nothing."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.inventory.models import StockLevel, StockMovement, Warehouse
from apps.inventory.selectors import ledger_differences, stock_level_list

pytestmark = pytest.mark.django_db


def test_demo_stock_is_varied_consistent_and_seeded_once():
    accounts_demo.seed()
    catalog_demo.seed()
    inventory_demo.seed()
    counts = (Warehouse.objects.count(), StockLevel.objects.count(), StockMovement.objects.count())
    inventory_demo.seed()
    assert (Warehouse.objects.count(), StockLevel.objects.count(), StockMovement.objects.count()) == counts
    assert counts[0] == 2
    assert StockLevel.objects.filter(on_hand=0).exists()
    assert stock_level_list(low_stock=True).filter(on_hand__gt=0).exists()
    assert stock_level_list(low_stock=False).exists()
    assert ledger_differences() == []
