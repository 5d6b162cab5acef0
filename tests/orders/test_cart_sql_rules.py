"""The cart's hand-written SQL (``apps.orders.selectors``) reads prices and stock through the
SQL fragments that catalog and inventory export (``price_sql``, ``available_sql``); each must
answer what the same app's query expression answers (``price_expression``,
``available_expression``), on SQLite and PostgreSQL alike (ADR 0006)."""

from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog.api import Variant, price_expression, price_sql
from apps.inventory import services
from apps.inventory.api import available_expression, available_sql
from apps.inventory.services import ReservationRequest
from tests.catalog.factories import product_with_variants
from tests.inventory.factories import WarehouseFactory, stocked

pytestmark = pytest.mark.django_db

CURRENCIES = ["USD", "NGN", "EUR"]


@pytest.fixture
def variants():
    open_, shut = WarehouseFactory(code="open"), WarehouseFactory(code="shut", is_active=False)
    product = product_with_variants(
        {"USD": "19.99", "NGN": "15000.50"},  # stocked in two warehouses, one closed
        {"USD": "0.00"},  # stocked, all of it reserved
        {"NGN": "7.10"},  # no stock row at all
        {},  # no price at all
    )
    first, second, _, _ = product.variants.order_by("position")
    stocked(first, open_, on_hand=5)
    stocked(first, shut, on_hand=50)
    stocked(first, WarehouseFactory(code="second"), on_hand=2)
    stocked(second, open_, on_hand=3)
    services.stock_reserve(
        lines=[ReservationRequest(variant_id=second.pk, sku=second.sku, quantity=3)],
        reference="o-1",
        expires_at=None,
    )
    return list(product.variants.order_by("position"))


def _sql_row(variant, currency):
    sql = (
        f"SELECT {price_sql(variant_column='v.id')}, {available_sql(variant_column='v.id')} "  # noqa: S608 - fragments from code
        f"FROM {Variant._meta.db_table} v WHERE v.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [currency, Variant._meta.pk.get_db_prep_value(variant.pk, connection)])
        price, available = cursor.fetchone()
    return (None if price is None else Decimal(str(price))), max(int(available or 0), 0)


def test_the_sql_fragments_answer_what_the_expressions_answer(variants):
    prices = {
        (0, "USD"): Decimal("19.99"),
        (0, "NGN"): Decimal("15000.50"),
        (1, "USD"): Decimal("0.00"),
        (2, "NGN"): Decimal("7.10"),
    }
    available = [7, 0, 0, 0]  # open warehouses only, less what is reserved
    for index, variant in enumerate(variants):
        for currency in CURRENCIES:
            orm = (
                Variant.objects.filter(pk=variant.pk)
                .annotate(price=price_expression(currency=currency), available=available_expression())
                .values_list("price", "available")
                .get()
            )
            assert orm == (prices.get((index, currency)), available[index]), (index, currency)
            assert _sql_row(variant, currency) == orm, (index, currency)
