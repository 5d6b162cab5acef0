"""Demo stock: two warehouses and stock for every demo variant (most plentiful, a few low,
a few at zero), received through the service so the ledger holds it."""

from django.conf import settings

from apps.accounts.api import User
from apps.catalog.api import Variant

from . import services
from .models import StockLevel, Warehouse

WAREHOUSES = [
    {
        "code": "lag-1",
        "name": "Lagos main warehouse",
        "address": "Plot 12, Oregun Industrial Estate, Ikeja, Lagos, NG",
        "priority": 1,
    },
    {
        "code": "hou-1",
        "name": "Houston depot",
        "address": "8800 Market St, Houston, TX 77029, US",
        "priority": 2,
    },
]


def seed(*, stdout=None) -> None:
    actor = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    warehouses = []
    for data in WAREHOUSES:
        warehouse, _ = Warehouse.objects.get_or_create(code=data["code"], defaults=data)
        warehouses.append(warehouse)
    stocked = set(StockLevel.objects.values_list("variant_id", "warehouse_id"))
    created = 0
    for index, variant in enumerate(Variant.objects.order_by("sku")[:500]):
        # Every 7th variant is out of stock, every 5th low, the rest plentiful.
        plan = [(warehouses[0], 0 if index % 7 == 3 else 3 if index % 5 == 1 else 20 + (index * 13) % 60)]
        if index % 3 == 0:
            plan.append((warehouses[1], 8 + (index * 7) % 25))
        for warehouse, quantity in plan:
            if (variant.pk, warehouse.pk) in stocked:
                continue
            if quantity:
                services.stock_adjust(
                    variant=variant,
                    warehouse=warehouse,
                    quantity_delta=quantity,
                    reason="received",
                    note="Opening stock (demo)",
                    actor=actor,
                )
            else:
                services.stock_level_get_or_create(variant=variant, warehouse=warehouse)
            created += 1
    if stdout:
        stdout.write(f"inventory: {len(warehouses)} warehouses, {created} new stock levels")
