"""The ledger invariant after a long seeded random sequence of receive / adjust / reserve /
commit / release operations, refused ones included: every stock level equals the sum of its
movements, reserved equals the active reservations, and 0 <= reserved <= on_hand."""

import random

import pytest
from django.db import transaction
from django.db.models import Sum

from apps.core.errors import ApplicationError
from apps.inventory import services
from apps.inventory.models import Reservation, StockLevel
from apps.inventory.selectors import ledger_differences
from apps.inventory.services import ReservationRequest
from tests.catalog.factories import VariantFactory

from .factories import WarehouseFactory

pytestmark = pytest.mark.django_db


def check_invariants():
    assert ledger_differences() == []
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand
        active = Reservation.objects.filter(stock_level=level, state="active").aggregate(n=Sum("quantity"))[
            "n"
        ]
        assert level.reserved == (active or 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_operations_keep_the_ledger_exact(seed):
    rng = random.Random(seed)
    variants = [VariantFactory() for _ in range(3)]
    warehouses = [WarehouseFactory(priority=p) for p in (1, 2)]
    open_orders: list[str] = []
    done = refused = 0
    for step in range(150):
        op = rng.choice(["receive", "adjust", "reserve", "reserve", "commit", "release", "expire"])
        try:
            with transaction.atomic():
                if op == "receive":
                    services.stock_adjust(
                        variant=rng.choice(variants),
                        warehouse=rng.choice(warehouses),
                        quantity_delta=rng.randint(1, 8),
                        reason="received",
                    )
                elif op == "adjust":
                    services.stock_adjust(
                        variant=rng.choice(variants),
                        warehouse=rng.choice(warehouses),
                        quantity_delta=rng.choice([-5, -3, -1, 1, 2]),
                        reason=rng.choice(["damaged", "count_correction", "returned", "other"]),
                    )
                elif op == "reserve":
                    reference = f"order:{seed}-{step}"
                    lines = [
                        ReservationRequest(variant_id=v.pk, sku=v.sku, quantity=rng.randint(1, 4))
                        for v in rng.sample(variants, rng.randint(1, 3))
                    ]
                    services.stock_reserve(lines=lines, reference=reference, expires_at=None)
                    open_orders.append(reference)
                elif open_orders:
                    reference = open_orders.pop(rng.randrange(len(open_orders)))
                    if op == "commit":
                        services.reservations_commit(reference=reference)
                    else:
                        services.reservations_release(reference=reference, expired=op == "expire")
            done += 1
        except ApplicationError:
            refused += 1
        if step % 25 == 0:
            check_invariants()
    check_invariants()
    assert done > 50 and refused > 5  # both kinds really happened
