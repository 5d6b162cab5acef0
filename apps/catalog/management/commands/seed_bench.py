"""Scaled data for the benchmark: N products × 2 variants × 2 currencies (bulk inserts), and
on request the other apps' scaled data through their own seeders (``seed_bench_orders``,
``seed_bench_stock``, ``seed_bench_leads``).

manage.py seed_bench --products 10000
manage.py seed_bench --orders 100000 --movements 1000000 --inquiries 200000 --sales-password …
"""

import random
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.catalog.models import Category, Price, Product, Variant

WORDS = [
    "Archer",
    "Titan",
    "Harvester",
    "AquaFlow",
    "VoltMax",
    "SunCell",
    "FurrowPro",
    "SeedRight",
    "MistBoom",
    "DripLine",
    "RainGun",
    "Torque",
    "Granite",
    "Savanna",
    "Delta",
    "Prairie",
]
KINDS = [
    "Tractor",
    "Pump",
    "Generator",
    "Plough",
    "Harrow",
    "Planter",
    "Sprayer",
    "Irrigation kit",
    "Solar system",
    "Filter kit",
    "Drive belt",
    "Loader",
]


class Command(BaseCommand):
    help = "Create scaled catalog data for benchmarks (idempotent per prefix)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=10_000)
        parser.add_argument("--prefix", default="BENCH")
        parser.add_argument("--orders", type=int, default=0, help="orders (10 lines each), with payments")
        parser.add_argument("--movements", type=int, default=0, help="stock levels and this many ledger rows")
        parser.add_argument("--inquiries", type=int, default=0, help="open inquiries, bench sales user")
        parser.add_argument("--sales-password", default="", help="of bench-sales@example.com")

    def handle(self, *args, products, prefix, orders, movements, inquiries, sales_password, **options):
        if inquiries and not sales_password:
            raise CommandError("--inquiries needs --sales-password (the bench sales user logs in with it).")
        if Variant.objects.filter(sku__startswith=f"{prefix}-").exists():
            self.stdout.write("bench catalog already present")
        else:
            self._catalog(products, prefix)
        if movements:
            call_command("seed_bench_stock", movements=movements, prefix=prefix, stdout=self.stdout)
        if orders:
            call_command("seed_bench_orders", orders=orders, prefix=prefix, stdout=self.stdout)
        if inquiries:
            call_command("seed_bench_leads", inquiries=inquiries, password=sales_password, stdout=self.stdout)

    @transaction.atomic
    def _catalog(self, products: int, prefix: str) -> None:
        rng = random.Random(42)  # noqa: S311 (reproducible demo data, not security)
        roots = [
            Category.objects.get_or_create(
                slug=f"{prefix.lower()}-{k.lower().replace(' ', '-')}",
                defaults={"name": f"{k}s", "position": i},
            )[0]
            for i, k in enumerate(KINDS)
        ]
        batch = 2000
        for start in range(0, products, batch):
            rows = []
            for n in range(start, min(start + batch, products)):
                kind = KINDS[n % len(KINDS)]
                name = f"{rng.choice(WORDS)} {rng.randint(10, 990)} {kind} {n}"
                rows.append(
                    Product(
                        name=name,
                        slug=f"{prefix.lower()}-{n}",
                        category=roots[n % len(roots)],
                        description=f"{name}: dependable {kind.lower()} for farms and sites.",
                        specifications={"Power (kW)": rng.randint(1, 200), "Warranty": "2 years"},
                        features=["Rugged", "Serviceable"],
                        applications=["Farming"],
                        status=Product.Status.ACTIVE,
                        position=n,
                        search_text=f"{prefix}-{n}-A {prefix}-{n}-B",
                    )
                )
            created = Product.objects.bulk_create(rows)
            variants = []
            for p in created:
                for suffix in ("A", "B"):
                    variants.append(
                        Variant(
                            product=p,
                            sku=f"{prefix}-{p.position}-{suffix}",
                            name=f"Option {suffix}",
                            attributes={"option": suffix},
                        )
                    )
            variants = Variant.objects.bulk_create(variants)
            prices = []
            for v in variants:
                usd = Decimal(rng.randint(50, 50_000))
                prices.append(Price(variant=v, currency="USD", amount=usd))
                prices.append(Price(variant=v, currency="NGN", amount=usd * 1550))
            Price.objects.bulk_create(prices)
        self.stdout.write(
            f"bench catalog: {products} products, {products * 2} variants, {products * 4} prices"
        )
