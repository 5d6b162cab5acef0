"""The benchmark's scaled data (``make bench``, tests/bench/run.py), at any scale: a catalog of
N products × 2 variants × 2 currencies, stock and a long stock ledger, an order history with
lines, payments and refunds, and inquiries with scoring rules and the bench sales users. Test
code, not the product's: nothing under apps/ imports it.

Bulk inserts, and on PostgreSQL set-based SQL (``generate_series``) for the orders and the
ledger history (a million rows in seconds where model saves would take many minutes). Each
seeder does nothing when its data exists already.

Run from the repository root (the environment chooses the database, as for manage.py)::

    python -m tests.bench.seed all --products 10000
    python -m tests.bench.seed all --orders 100000 --movements 1000000 --inquiries 200000 --sales-password …
    python -m tests.bench.seed stock [--on-hand 100000] [--movements 1000000]
    python -m tests.bench.seed orders --orders 100000 --lines 10 --days 180
    python -m tests.bench.seed leads --inquiries 100000 --password …
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from decimal import Decimal

import django

if __name__ == "__main__":  # run as a script: Django is set up before the models are imported
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.accounts.services import user_create  # noqa: E402
from apps.catalog.models import Category, Price, Product, Variant  # noqa: E402
from apps.core.roles import SALES  # noqa: E402
from apps.inventory.models import StockLevel, StockMovement, Warehouse  # noqa: E402
from apps.leads.models import Inquiry, LeadScoringRule  # noqa: E402
from apps.leads.scoring import inquiry_facts, score  # noqa: E402
from apps.leads.services import inquiries as inquiry_services  # noqa: E402
from apps.leads.services import rules  # noqa: E402
from apps.orders.models import Order  # noqa: E402


class SeedError(Exception):
    """The data cannot be seeded as asked (wrong database, missing prerequisite or option)."""


# --- Catalog ------------------------------------------------------------------------------------

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


@transaction.atomic
def seed_catalog(*, products: int, prefix: str = "BENCH") -> None:
    """N products × 2 variants × 2 currencies (bulk inserts)."""
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
    print(f"bench catalog: {products} products, {products * 2} variants, {products * 4} prices")


# --- Everything ---------------------------------------------------------------------------------


def seed_all(
    *,
    products: int = 10_000,
    prefix: str = "BENCH",
    orders: int = 0,
    movements: int = 0,
    inquiries: int = 0,
    sales_password: str = "",
) -> None:
    """The catalog (idempotent per prefix), and on request the stock with ``movements`` ledger
    rows, ``orders`` orders (10 lines each) and ``inquiries`` open inquiries."""
    if inquiries and not sales_password:
        raise SeedError("--inquiries needs --sales-password (the bench sales user logs in with it).")
    if Variant.objects.filter(sku__startswith=f"{prefix}-").exists():
        print("bench catalog already present")
    else:
        seed_catalog(products=products, prefix=prefix)
    if movements:
        seed_stock(movements=movements, prefix=prefix)
    if orders:
        seed_orders(orders=orders, prefix=prefix)
    if inquiries:
        seed_leads(inquiries=inquiries, password=sales_password)


# --- Stock -------------------------------------------------------------------------------------


@transaction.atomic
def seed_stock(*, on_hand: int = 100_000, prefix: str = "BENCH", movements: int = 0) -> None:
    """One warehouse, ``on_hand`` units of every variant whose SKU starts with the prefix, each
    received through a ledger movement (bulk inserts, so the ledger stays exact:
    verify_stock_ledger passes). With ``movements`` (PostgreSQL, set-based SQL), that many more
    ledger rows over the last 180 days, in pairs that cancel out (a receipt of k units, then a
    sale of k), so the ledger is long (the export and deep-page figures read a million rows)
    and still adds up."""
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
    print(f"bench stock: {len(variant_ids)} variants × {on_hand} units")
    if movements:
        _stock_history(warehouse, movements // 2)


def _stock_history(warehouse, pairs: int) -> None:
    if connection.vendor != "postgresql":
        raise SeedError("--movements loads with PostgreSQL's generate_series: use PostgreSQL.")
    if StockMovement.objects.filter(reference__startswith="bench-history:").exists():
        print("bench ledger history exists; nothing to do")
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
    print(f"bench ledger history: {2 * pairs:,} movements")


# --- Orders ------------------------------------------------------------------------------------

EMAIL_DOMAIN = "bench-orders.example"

# (status, share in percent) — the cumulative bounds pick a status from the order's index.
STATUSES = [
    ("pending_payment", 8),
    ("paid", 22),
    ("fulfilling", 10),
    ("shipped", 15),
    ("delivered", 35),
    ("cancelled", 6),
    ("refunded", 4),
]


def _status_case(expr: str) -> str:
    cases, bound = [], 0
    for status, share in STATUSES:
        bound += share
        cases.append(f"WHEN {expr} < {bound} THEN '{status}'")
    return "CASE " + " ".join(cases) + " END"


def seed_orders(*, orders: int = 100_000, lines: int = 10, days: int = 180, prefix: str = "BENCH") -> None:
    """``orders`` orders spread over the last ``days`` days, each with ``lines`` lines priced from
    the bench catalog, a payment for every order past ``pending_payment`` (Stripe or Paystack)
    and a refund for the refunded ones, plus one activity log row per order. Totals add up
    (subtotal = the sum of the lines; total = subtotal + shipping + tax, as the database's
    constraint requires) and order numbers come from the order sequence, so the rows look to
    every endpoint, export and snapshot like orders placed through checkout. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise SeedError("the bench orders load with PostgreSQL's generate_series: use PostgreSQL.")
    if Order.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists():
        print("bench orders exist; nothing to do")
        return
    variants = Variant.objects.filter(sku__startswith=f"{prefix}-").count()
    if not variants:
        raise SeedError(f"no variants with SKU prefix {prefix}-: seed the catalog first")
    with transaction.atomic(), connection.cursor() as cursor:
        _load_orders(cursor, orders=orders, lines=lines, days=days, prefix=prefix)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderline; ANALYZE orders_payment;")
        cursor.execute("ANALYZE orders_refund; ANALYZE core_activitylog;")
    print(f"{orders:,} orders, {orders * lines:,} lines, their payments and refunds loaded")


def _load_orders(cursor, *, orders: int, lines: int, days: int, prefix: str) -> None:
    status = _status_case("(g * 37) %% 100")  # %% : the query has parameters
    year_prefix = f"{settings.ORDER_NUMBER_PREFIX}-"
    # Variants numbered 1..V in SKU order, so a line picks one by arithmetic.
    cursor.execute(
        """
        CREATE TEMP TABLE bench_variant ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY v.sku) AS n, v.id, v.sku, p.name || ' ' || v.name AS name
        FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id
        WHERE v.sku LIKE %s
        """,
        [f"{prefix}-%"],
    )
    cursor.execute("SELECT count(*) FROM bench_variant")
    (variant_count,) = cursor.fetchone()
    # Orders: totals 0 for now (the constraint holds), set from the lines below.
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_order ON COMMIT DROP AS
        SELECT g, gen_random_uuid() AS id, nextval('orders_order_sequence_seq') AS sequence,
               now() - make_interval(secs => (%s::float8 * 86400 * (%s - g)) / %s) AS created_at,
               {status} AS status,
               CASE WHEN g %% 3 = 0 THEN 'USD' ELSE 'NGN' END AS currency
        FROM generate_series(1, %s) AS g
        """,  # noqa: S608 - the f-string holds this module's constants, no input
        [days, orders, orders, orders],
    )
    cursor.execute(
        f"""
        INSERT INTO orders_order (
            id, created_at, updated_at, number, sequence, customer_id, email, status, currency,
            subtotal, shipping, tax, total, shipping_address, billing_address, needs_review,
            review_reason, paid_at, delivered_at, cancelled_at
        )
        SELECT id, created_at, created_at,
               %s || extract(year FROM created_at)::int || '-' || lpad(sequence::text, 6, '0'),
               sequence, NULL, 'buyer' || (g %% 5000) || '@{EMAIL_DOMAIN}', status, currency,
               0, 0, 0, 0,
               jsonb_build_object('name', 'Bench Buyer ' || (g %% 5000), 'line1', g || ' Farm Road',
                                  'city', 'Kaduna', 'country', 'NG'),
               jsonb_build_object('name', 'Bench Buyer ' || (g %% 5000), 'country', 'NG'),
               false, '',
               CASE WHEN status NOT IN ('pending_payment', 'cancelled')
                    THEN created_at + interval '3 minutes' END,
               CASE WHEN status = 'delivered' THEN created_at + interval '4 days' END,
               CASE WHEN status = 'cancelled' THEN created_at + interval '1 hour' END
        FROM bench_order
        """,  # noqa: S608 - the f-string holds this module's constants, no input
        [year_prefix],
    )
    # Lines: quantity 1-3, unit price from the variant's number; NGN at 1,550 per USD.
    cursor.execute(
        """
        INSERT INTO orders_orderline (
            id, created_at, updated_at, order_id, variant_id, sku, name, unit_price, quantity, line_total
        )
        SELECT gen_random_uuid(), o.created_at, o.created_at, o.id, v.id, v.sku, v.name,
               price.unit, q.quantity, price.unit * q.quantity
        FROM bench_order o
        CROSS JOIN generate_series(1, %s) AS l
        CROSS JOIN LATERAL (SELECT 1 + ((o.g * 7 + l) %% 3) AS quantity) q
        JOIN bench_variant v ON v.n = 1 + ((o.g * 31 + l * 977) %% %s)
        CROSS JOIN LATERAL (
            SELECT (CASE WHEN o.currency = 'USD' THEN 1 ELSE 1550 END)
                   * (20 + (v.n %% 480))::numeric AS unit
        ) price
        """,
        [lines, variant_count],
    )
    cursor.execute(
        """
        UPDATE orders_order o
        SET subtotal = s.subtotal,
            shipping = s.shipping,
            tax = round(s.subtotal * 0.075, 2),
            total = s.subtotal + s.shipping + round(s.subtotal * 0.075, 2)
        FROM (
            SELECT l.order_id, sum(l.line_total) AS subtotal,
                   CASE WHEN min(b.currency) = 'USD' THEN 25 ELSE 38750 END AS shipping
            FROM orders_orderline l JOIN bench_order b ON b.id = l.order_id
            GROUP BY l.order_id
        ) s
        WHERE o.id = s.order_id
        """
    )
    # Payments: one per order that got past pending payment (a cancelled order was unpaid).
    cursor.execute(
        """
        INSERT INTO orders_payment (
            id, created_at, updated_at, order_id, subject_type, subject_id, provider, reference,
            client_secret, amount, currency, status, amount_captured, amount_refunded, review_reason,
            succeeded_at, provider_refunds
        )
        SELECT gen_random_uuid(), o.created_at + interval '1 minute', o.created_at + interval '3 minutes',
               o.id, '', NULL, CASE WHEN o.currency = 'USD' THEN 'stripe' ELSE 'paystack' END,
               CASE WHEN o.currency = 'USD' THEN 'pi_bench_' ELSE 'FD-bench-' END || o.sequence,
               '', o.total, o.currency,
               CASE WHEN o.status = 'refunded' THEN 'refunded' ELSE 'succeeded' END,
               o.total, CASE WHEN o.status = 'refunded' THEN o.total ELSE 0 END, '',
               o.created_at + interval '3 minutes', '{}'::jsonb
        FROM orders_order o JOIN bench_order b ON b.id = o.id
        WHERE o.status NOT IN ('pending_payment', 'cancelled')
        """
    )
    cursor.execute(
        """
        INSERT INTO orders_refund (
            id, created_at, updated_at, payment_id, amount, reason, status, reference, restock, actor_id
        )
        SELECT gen_random_uuid(), p.created_at + interval '2 days', p.created_at + interval '2 days',
               p.id, p.amount, 'Customer changed their mind', 'succeeded', 're_bench_' || o.sequence,
               true, NULL
        FROM orders_payment p JOIN orders_order o ON o.id = p.order_id
        JOIN bench_order b ON b.id = o.id
        WHERE p.status = 'refunded'
        """
    )
    cursor.execute(
        """
        INSERT INTO core_activitylog (
            id, actor_id, actor_email, action, entity_type, entity_id, entity_repr, before, after,
            ip_address, user_agent, created_at
        )
        SELECT gen_random_uuid(), NULL, '', 'order.placed', 'orders.order', o.id::text, o.number,
               NULL, jsonb_build_object('status', o.status, 'total', o.total::text), NULL, '',
               o.created_at
        FROM orders_order o JOIN bench_order b ON b.id = o.id
        """
    )


# --- Leads -------------------------------------------------------------------------------------

BENCH_SALES_EMAIL = "bench-sales@example.com"
RULE_PREFIX = "Bench: "
# The rule the benchmark changes before timing a rescoring (it matches most inquiries).
QUOTE_RULE = f"{RULE_PREFIX}asks for a quote"

# (name, rule_type, condition, score_value)
RULES = [
    ("core West Africa", "country", {"field": "country", "in": ["NG", "GH", "CI", "SN"]}, 15),
    ("East Africa", "country", {"field": "country", "in": ["KE", "TZ", "UG", "RW", "ET"]}, 10),
    ("export markets", "country", {"field": "country", "in": ["US", "GB", "DE", "FR", "NL"]}, 8),
    ("outside the regions served", "country", {"field": "country", "not_in": ["NG", "GH", "KE", "ZA"]}, -3),
    ("government buyer", "org_type", {"field": "metadata.org_type", "eq": "government"}, 20),
    ("NGO or cooperative", "org_type", {"field": "metadata.org_type", "in": ["ngo", "cooperative"]}, 10),
    ("individual", "org_type", {"field": "metadata.org_type", "eq": "individual"}, -5),
    ("large budget", "budget", {"field": "metadata.budget", "gte": 500000}, 25),
    ("medium budget", "budget", {"field": "metadata.budget", "gte": 100000, "lt": 500000}, 15),
    ("small budget", "budget", {"field": "metadata.budget", "lt": 10000}, -10),
    ("tractors", "product", {"field": "metadata.products", "contains": "tractor"}, 10),
    ("water", "product", {"field": "metadata.products", "contains_any": ["pump", "irrigation-kit"]}, 8),
    ("power", "product", {"field": "metadata.products", "in": ["generator", "solar-system"]}, 5),
    ("urgent or tender", "keyword", {"field": "message", "contains_any": ["urgent", "tender", "asap"]}, 15),
    ("asks for a quote", "keyword", {"field": "message", "contains": "quote"}, 5),
    ("student or research", "keyword", {"field": "message", "contains_any": ["student", "research"]}, -10),
    ("free mail domain", "keyword", {"field": "email_domain", "in": ["gmail.com", "yahoo.com"]}, -5),
    ("sales inquiry", "keyword", {"field": "inquiry_type", "eq": "sales"}, 10),
    ("registered company", "keyword", {"field": "company", "contains_any": ["ltd", "plc", "inc"]}, 5),
    ("soon", "keyword", {"field": "metadata.timeline", "in": ["immediate", "1 month"]}, 10),
]

FIRST = ["Ada", "Chinedu", "Amina", "Kwame", "Fatima", "John", "Grace", "Tunde", "Mary", "Samuel", "Zainab"]
LAST = ["Okafor", "Mensah", "Bello", "Smith", "Ndlovu", "Adeyemi", "Kamau", "Osei", "Brown", "Diallo"]
COMPANY = ["Agro", "Harvest", "Green Valley", "Sahel", "Delta", "Savanna", "Riverside", "Unity"]
SUFFIX = ["Farms Ltd", "Cooperative", "Plc", "Holdings Inc", "Ventures", "", "Ministry of Agriculture"]
DOMAINS = ["gmail.com", "yahoo.com", "agro.example", "farm.example", "gov.example", "coop.example"]
COUNTRIES = ["NG"] * 30 + ["GH"] * 10 + ["KE"] * 10 + ["ZA"] * 8 + ["US"] * 6 + ["GB"] * 5
COUNTRIES += ["DE", "FR", "NL", "TZ", "UG", "RW", "ET", "CI", "SN", "EG", "IN", "BR", "", "", "", ""]
TYPES = ["sales"] * 6 + ["general"] * 2 + ["support", "partnership"]
ORG_TYPES = ["government", "ngo", "cooperative", "private", "private", "individual", None]
TIMELINES = ["immediate", "1 month", "3 months", "next season", None]
PRODUCTS = ["tractor", "pump", "irrigation-kit", "generator", "solar-system", "plough", "sprayer"]
MESSAGES = [
    "Please send a quote for {n} {p}s delivered to our site.",
    "We need an urgent quote: {n} {p}s for the coming season.",
    "Tender reference {n}: supply of {p}s. Please quote.",
    "Do you have spare parts for the {p}? Ours broke down.",
    "I am a student doing research on {p}s in my region.",
    "Interested in a partnership to distribute your {p}s.",
    "What is the lead time and price for a {p}? Please quote ASAP.",
]


def _budget(rng: random.Random):
    roll = rng.random()
    if roll < 0.15:
        return None
    amount = rng.choice([5_000, 25_000, 80_000, 150_000, 300_000, 750_000, 2_000_000])
    return f"${amount:,}" if roll < 0.3 else amount  # some forms send text


def seed_leads(
    *,
    password: str,
    inquiries: int = 100_000,
    closed: int = 5_000,
    assigned: int = 300,
    other_sales: int = 4,
    other_assigned: int = 5_000,
    batch_size: int = 5_000,
) -> None:
    """20 active scoring rules of every type, ``inquiries`` open inquiries (new or in progress)
    plus ``closed`` resolved/closed ones, all scored with those rules, in bulk; and a plain sales
    user (bench-sales@example.com, ``password``) with ``assigned`` inquiries assigned through
    the real assignment service (exactly as in production), next to ``other_sales`` sales
    users holding larger shares. For a fresh benchmark database: nothing happens when the bench
    sales user exists."""
    opts = {
        "password": password,
        "inquiries": inquiries,
        "closed": closed,
        "assigned": assigned,
        "other_sales": other_sales,
        "other_assigned": other_assigned,
        "batch_size": batch_size,
    }
    if get_user_model().objects.filter(email=BENCH_SALES_EMAIL).exists():
        print("bench leads already present")
        return
    rng = random.Random(11)  # noqa: S311 (reproducible bench data, not security)
    with transaction.atomic():
        compiled = _leads_rules()
        open_pks = _leads_inquiries(rng, compiled, opts["inquiries"], opts["closed"], opts["batch_size"])
        _leads_spread_dates()
    _leads_assign(rng, open_pks, opts)
    print(
        f"bench leads: {len(RULES)} rules, {opts['inquiries']:,} open + {opts['closed']:,} closed "
        f"inquiries, {opts['assigned']} assigned to {BENCH_SALES_EMAIL}"
    )


def _leads_rules():
    objs = []
    for position, (name, rule_type, condition, value) in enumerate(RULES):
        rules.condition_validate(condition=condition)
        rule = LeadScoringRule(
            rule_name=RULE_PREFIX + name,
            rule_type=rule_type,
            condition=condition,
            score_value=value,
            is_active=True,
            position=position,
        )
        rule.full_clean(validate_unique=False)
        objs.append(rule)
    # In bulk: rule_create would queue a rescoring of (as yet no) inquiries per rule.
    LeadScoringRule.objects.bulk_create(objs)
    rules.ACTIVE_RULES.invalidate()  # bulk_create sends no post_save
    return rules.active_rules()


def _leads_inquiry(rng: random.Random, n: int, status: str) -> Inquiry:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    suffix = rng.choice(SUFFIX)
    metadata = {
        "budget": _budget(rng),
        "org_type": rng.choice(ORG_TYPES),
        "timeline": rng.choice(TIMELINES),
        "products": rng.sample(PRODUCTS, rng.randint(0, 3)),
    }
    metadata = {k: v for k, v in metadata.items() if v not in (None, [])}
    product = metadata.get("products", [rng.choice(PRODUCTS)])[0]
    return Inquiry(
        inquiry_type=rng.choice(TYPES),
        full_name=f"{first} {last}",
        email=f"{first}.{last}.{n}@{rng.choice(DOMAINS)}".lower(),
        phone=f"+234 80{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.7 else "",
        company=f"{rng.choice(COMPANY)} {suffix}".strip() if rng.random() < 0.8 else "",
        country=rng.choice(COUNTRIES),
        message=rng.choice(MESSAGES).format(n=rng.randint(1, 40), p=product.replace("-", " ")),
        status=status,
        metadata=metadata,
        source=rng.choice(["website", "website", "website", "import", "trade-fair"]),
        ip_address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        user_agent="Mozilla/5.0 (bench)",
    )


def _leads_inquiries(rng, compiled, count: int, closed: int, batch: int) -> list:
    statuses = [Inquiry.Status.NEW] * 3 + [Inquiry.Status.IN_PROGRESS] * 2
    plan = [rng.choice(statuses) for _ in range(count)]
    plan += [rng.choice([Inquiry.Status.RESOLVED, Inquiry.Status.CLOSED]) for _ in range(closed)]
    rng.shuffle(plan)
    open_pks = []
    for start in range(0, len(plan), batch):
        objs = [_leads_inquiry(rng, n, plan[n]) for n in range(start, min(start + batch, len(plan)))]
        for inquiry in objs:
            facts = inquiry_facts({c: getattr(inquiry, c) for c in rules.SCORED_COLUMNS})
            inquiry.lead_score, inquiry.matched_rules = score(facts, compiled)
        Inquiry.objects.bulk_create(objs, batch_size=1000)
        open_pks += [i.pk for i in objs if i.status in Inquiry.OPEN_STATUSES]
    return open_pks


def _leads_spread_dates() -> None:
    """bulk_create stamps every row "now": spread them over the last year instead."""
    table = connection.ops.quote_name(Inquiry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET created_at = now() - (abs(hashtext(id::text)) % 31536000) "  # noqa: S608
            "* interval '1 second', updated_at = now()"
        )


def _leads_assign(rng: random.Random, open_pks: list, opts) -> None:
    user = user_create(
        email=BENCH_SALES_EMAIL, password=opts["password"], full_name="Bench Sales", roles=[SALES]
    )
    # At most a quarter of the rest goes to colleagues (small data sets: never more than
    # there are open inquiries).
    assigned = min(opts["assigned"], len(open_pks))
    size = min(opts["other_assigned"], (len(open_pks) - assigned) // 4 // max(1, opts["other_sales"]))
    picked = rng.sample(open_pks, assigned + opts["other_sales"] * size)
    mine, others = picked[:assigned], picked[assigned:]
    # The bench user's share: one by one through the assignment service (lock, activity
    # log), exactly as a manager assigning them would.
    for inquiry in Inquiry.objects.filter(pk__in=mine):
        inquiry_services.inquiry_assign(inquiry=inquiry, assignee=user, actor=None)
    # Colleagues hold larger shares (so the assignee index is not the bench user's alone):
    # assigned in bulk.
    for i in range(opts["other_sales"]):
        colleague = user_create(
            email=f"bench-sales-{i + 1}@example.com", full_name=f"Bench Sales {i + 1}", roles=[SALES]
        )
        share = others[i * size : (i + 1) * size]
        Inquiry.objects.filter(pk__in=share).update(assigned_to=colleague)


# --- Command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.seed", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("all", help="the catalog (idempotent per prefix), and on request the rest")
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--prefix", default="BENCH")
    p.add_argument("--orders", type=int, default=0, help="orders (10 lines each), with payments")
    p.add_argument("--movements", type=int, default=0, help="stock levels and this many ledger rows")
    p.add_argument("--inquiries", type=int, default=0, help="open inquiries, bench sales user")
    p.add_argument("--sales-password", default="", help="of bench-sales@example.com")
    p = sub.add_parser("stock", help="stock every bench variant in one warehouse (idempotent)")
    p.add_argument("--on-hand", type=int, default=100_000)
    p.add_argument("--prefix", default="BENCH")
    p.add_argument("--movements", type=int, default=0, help="extra ledger rows (pairs)")
    p = sub.add_parser("orders", help="orders with lines, payments and refunds (PostgreSQL)")
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--lines", type=int, default=10)
    p.add_argument("--days", type=int, default=180)
    p.add_argument("--prefix", default="BENCH", help="the catalog variants' SKU prefix")
    p = sub.add_parser("leads", help="scoring rules, inquiries, the bench sales users")
    p.add_argument("--inquiries", type=int, default=100_000, help="open inquiries")
    p.add_argument("--closed", type=int, default=5_000, help="resolved/closed ones besides")
    p.add_argument("--assigned", type=int, default=300, help="assigned to the bench sales user")
    p.add_argument("--other-sales", type=int, default=4, help="other sales users")
    p.add_argument("--other-assigned", type=int, default=5_000, help="inquiries each")
    p.add_argument("--password", required=True, help="of bench-sales@example.com")
    p.add_argument("--batch-size", type=int, default=5_000)
    options = vars(parser.parse_args(argv))
    seeder = {"all": seed_all, "stock": seed_stock, "orders": seed_orders, "leads": seed_leads}[
        options.pop("what")
    ]
    try:
        seeder(**options)
    except SeedError as exc:
        sys.exit(f"seed: {exc}")


if __name__ == "__main__":
    main()
