"""No overselling and no deadlocks, proven with real concurrent transactions on PostgreSQL."""

import random

import pytest
from django.db import transaction

from apps.core.errors import ApplicationError
from apps.inventory import services
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.selectors import ledger_differences
from apps.inventory.services import InsufficientStock, ReservationRequest
from tests.catalog.factories import VariantFactory
from tests.helpers import run_concurrently

from .factories import WarehouseFactory, stocked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_buyers_of_the_last_five_units_reserve_exactly_five():
    variant = VariantFactory()
    level = stocked(variant, on_hand=5)

    def buy(i):
        with transaction.atomic():
            services.stock_reserve(
                lines=[ReservationRequest(variant_id=variant.pk, sku=variant.sku, quantity=1)],
                reference=f"order:{i}",
                expires_at=None,
            )
        return i

    results, errors = run_concurrently(20, buy)
    assert len(results) == 5
    assert len(errors) == 15 and all(isinstance(e, InsufficientStock) for e in errors), errors
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (5, 5)
    assert Reservation.objects.filter(state="active").count() == 5
    assert ledger_differences() == []


def test_adjustments_and_multi_line_reservations_race_without_deadlock_or_oversell():
    variants = [VariantFactory() for _ in range(4)]
    warehouses = [WarehouseFactory(priority=p) for p in (1, 2)]
    for v in variants:
        for w in warehouses:
            stocked(v, w, on_hand=6)

    def work(i):
        rng = random.Random(i)
        outcomes = []
        for step in range(12):
            try:
                with transaction.atomic():
                    if rng.random() < 0.4:
                        services.stock_adjust(
                            variant=rng.choice(variants),
                            warehouse=rng.choice(warehouses),
                            quantity_delta=rng.choice([-2, -1, 1, 3]),
                            reason="count_correction",
                        )
                    else:
                        chosen = rng.sample(variants, rng.randint(1, 4))  # any order: locks are sorted
                        services.stock_reserve(
                            lines=[
                                ReservationRequest(variant_id=v.pk, sku=v.sku, quantity=rng.randint(1, 3))
                                for v in chosen
                            ],
                            reference=f"order:{i}-{step}",
                            expires_at=None,
                        )
                outcomes.append("ok")
            except ApplicationError:
                outcomes.append("refused")
        return outcomes

    results, errors = run_concurrently(8, work)
    assert errors == []  # no deadlock, no IntegrityError: only clean refusals inside the outcomes
    assert sum(o.count("ok") for o in results) > 20
    assert ledger_differences() == []
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand
