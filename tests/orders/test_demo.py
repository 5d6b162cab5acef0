"""Demo orders: three orders in different states, made through the services; seeding twice
changes nothing."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.inventory.selectors import ledger_differences
from apps.orders import demo as orders_demo
from apps.orders.models import Order

pytestmark = pytest.mark.django_db


def test_demo_orders_in_three_states_seeded_once():
    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo):
        module.seed()
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "pending_payment", "shipped"]
    orders_demo.seed()
    assert Order.objects.count() == 3
    assert all(o.history.exists() and o.lines.exists() for o in Order.objects.all())
    assert ledger_differences() == []
