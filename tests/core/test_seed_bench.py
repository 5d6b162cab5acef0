"""``manage.py seed_bench``: one command for the benchmark's scaled data (products, orders with
their lines and payments, stock and its ledger, inquiries and the bench sales user), here at a
small scale. The other apps' seeders write set-based PostgreSQL SQL."""

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import Product
from apps.inventory.models import StockMovement
from apps.leads.models import Inquiry
from apps.orders.models import Order, OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_one_command_seeds_every_scaled_dataset():
    call_command(
        "seed_bench", products=20, orders=30, movements=200, inquiries=40, sales_password="bench-pass-1234"
    )
    assert Product.objects.filter(slug__startswith="bench-").count() == 20
    assert Order.objects.count() == 30 and OrderLine.objects.count() == 300
    assert StockMovement.objects.count() >= 200
    assert Inquiry.objects.filter(status__in=Inquiry.OPEN_STATUSES).count() == 40
    call_command("seed_bench", products=20)  # again: the catalog is there already, nothing doubles
    assert Product.objects.filter(slug__startswith="bench-").count() == 20


def test_inquiries_need_the_sales_users_password():
    with pytest.raises(CommandError, match="--sales-password"):
        call_command("seed_bench", products=1, inquiries=10)
