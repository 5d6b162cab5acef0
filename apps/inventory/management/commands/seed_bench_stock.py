"""Stock for the benchmark catalog: one warehouse, ``--on-hand`` units of every variant whose
SKU starts with the prefix, each received through a ledger movement (bulk inserts, so the
ledger stays exact: verify_stock_ledger passes).

With ``--movements N`` (PostgreSQL, set-based SQL) it also writes N more ledger rows over the
last 180 days, in pairs that cancel out (a receipt of k units, then a sale of k), so the ledger
is long (the benchmark's export and deep-page figures read a million rows) and still adds up.

manage.py seed_bench_stock --on-hand 100000
manage.py seed_bench_stock --movements 1000000
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.catalog.api import Variant
from apps.inventory.models import StockLevel, StockMovement, Warehouse


class Command(BaseCommand):
    help = "Stock every benchmark variant in one warehouse (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--on-hand", type=int, default=100_000)
        parser.add_argument("--prefix", default="BENCH")
        parser.add_argument("--movements", type=int, default=0, help="extra ledger rows (pairs)")

    @transaction.atomic
    def handle(self, *args, on_hand, prefix, movements, **options):
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
        if movements:
            self._history(warehouse, movements // 2)

    def _history(self, warehouse, pairs: int) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("--movements loads with PostgreSQL's generate_series: use PostgreSQL.")
        if StockMovement.objects.filter(reference__startswith="bench-history:").exists():
            self.stdout.write("bench ledger history exists; nothing to do")
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMP TABLE bench_level AS
                SELECT row_number() OVER (ORDER BY id) AS n, id, variant_id
                FROM inventory_stocklevel WHERE warehouse_id = %s
                """,
                [warehouse.pk],
            )
            cursor.execute("SELECT count(*) FROM bench_level")
            (levels,) = cursor.fetchone()
            cursor.execute(
                """
                INSERT INTO inventory_stockmovement (
                    id, stock_level_id, variant_id, warehouse_id, on_hand_delta, reserved_delta, reason,
                    reference, actor_id, note, created_at
                )
                SELECT gen_random_uuid(), l.id, l.variant_id, %s,
                       CASE WHEN side = 0 THEN k ELSE -k END, 0,
                       CASE WHEN side = 0 THEN 'received' ELSE 'sale' END,
                       'bench-history:' || g, NULL, '',
                       now() - make_interval(secs => 180 * 86400 * (%s - g)::float8 / %s)
                             + side * interval '1 hour'
                FROM generate_series(1, %s) AS g
                CROSS JOIN generate_series(0, 1) AS side
                CROSS JOIN LATERAL (SELECT 1 + g %% 5 AS k) q
                JOIN bench_level l ON l.n = 1 + (g::bigint * 7919) %% %s
                """,
                [warehouse.pk, pairs, pairs, pairs, levels],
            )
            cursor.execute("DROP TABLE bench_level")
            cursor.execute("ANALYZE inventory_stockmovement")
        self.stdout.write(f"bench ledger history: {2 * pairs:,} movements")
