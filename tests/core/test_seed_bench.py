"""tests/bench/seed.py: one entry point for the benchmark's scaled data (products, orders with
their lines and payments, stock and its ledger, inquiries and the bench sales user), here at a
small scale. The orders and the ledger history are set-based PostgreSQL SQL."""

import importlib

import pytest

from apps.catalog.models import Product
from apps.inventory.models import StockMovement
from apps.leads.models import Inquiry
from apps.orders.models import Order, OrderLine
from tests.bench.seed import SeedError, main, seed_all


@pytest.mark.postgres
@pytest.mark.django_db
def test_one_command_seeds_every_scaled_dataset():
    seed_all(products=20, orders=30, movements=200, inquiries=40, sales_password="bench-pass-1234")
    assert Product.objects.filter(slug__startswith="bench-").count() == 20
    assert Order.objects.count() == 30 and OrderLine.objects.count() == 300
    assert StockMovement.objects.count() >= 200
    assert Inquiry.objects.filter(status__in=Inquiry.OPEN_STATUSES).count() == 40
    main(["all", "--products", "20"])  # again: the catalog is there already, nothing doubles
    assert Product.objects.filter(slug__startswith="bench-").count() == 20


def test_inquiries_need_the_sales_users_password():
    with pytest.raises(SeedError, match="--sales-password"):
        seed_all(products=1, inquiries=10)
    with pytest.raises(SystemExit, match="--sales-password"):
        main(["all", "--products", "1", "--inquiries", "10"])


@pytest.mark.parametrize(
    "module",
    [
        "apps.catalog.management.commands.seed_bench",
        "apps.inventory.management.commands.seed_bench_stock",
        "apps.leads.management.commands.seed_bench_leads",
        "apps.orders.management.commands.seed_bench_orders",
    ],
)
def test_the_seeders_are_not_part_of_the_apps(module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)
