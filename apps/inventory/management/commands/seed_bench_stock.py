"""Stock for the benchmark catalog: one warehouse, ``--on-hand`` units of every variant whose
SKU starts with the prefix, each received through a ledger movement (bulk inserts, so the
ledger stays exact: verify_stock_ledger passes).

manage.py seed_bench_stock --on-hand 100000
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.catalog.models import Variant
from apps.inventory.models import StockLevel, StockMovement, Warehouse


class Command(BaseCommand):
    help = "Stock every benchmark variant in one warehouse (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--on-hand", type=int, default=100_000)
        parser.add_argument("--prefix", default="BENCH")

    @transaction.atomic
    def handle(self, *args, on_hand, prefix, **options):
        warehouse, _ = Warehouse.objects.get_or_create(
            code="bench", defaults={"name": "Bench warehouse", "priority": 1}
        )
        stocked = set(StockLevel.objects.filter(warehouse=warehouse).values_list("variant_id", flat=True))
        variant_ids = [
            pk
            for pk in Variant.objects.filter(sku__startswith=f"{prefix}-").values_list("pk", flat=True)
            if pk not in stocked
        ]
        for start in range(0, len(variant_ids), 5000):
            chunk = variant_ids[start : start + 5000]
            levels = StockLevel.objects.bulk_create(
                [StockLevel(variant_id=pk, warehouse=warehouse, on_hand=on_hand) for pk in chunk]
            )
            StockMovement.objects.bulk_create(
                [
                    StockMovement(
                        stock_level=level,
                        variant_id=level.variant_id,
                        warehouse=warehouse,
                        on_hand_delta=on_hand,
                        reason=StockMovement.Reason.RECEIVED,
                        reference="bench",
                    )
                    for level in levels
                ]
            )
        self.stdout.write(f"bench stock: {len(variant_ids)} variants × {on_hand} units")
