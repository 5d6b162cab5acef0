"""Inventory factories. ``stocked(variant, warehouse, on_hand)`` receives stock through the
service, so the ledger holds it like any real stock."""

import factory

from apps.inventory import services
from apps.inventory.models import Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"wh-{n}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    priority = factory.Sequence(lambda n: 10 + n)


def stocked(variant, warehouse=None, on_hand: int = 10, actor=None):
    """Receive ``on_hand`` units of ``variant`` into ``warehouse`` (a new one if None)."""
    warehouse = warehouse or WarehouseFactory()
    services.stock_adjust(
        variant=variant, warehouse=warehouse, quantity_delta=on_hand, reason="received", actor=actor
    )
    return services.stock_level_get_or_create(variant=variant, warehouse=warehouse)
