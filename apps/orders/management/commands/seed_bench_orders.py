"""Scaled order history for the benchmark (``tests/bench/reports.py``): N orders (default
100,000) spread over the last ``--days`` days, each with ``--lines`` lines (default 10, so a
million order lines) priced from the benchmark catalog, a payment for every order past
``pending_payment`` (Stripe or Paystack) and a refund for the refunded ones, plus one activity
log row per order. Totals add up (subtotal = the sum of the lines; total = subtotal + shipping +
tax, as the database's constraint requires) and order numbers come from the order sequence, so
the rows look to every endpoint, export and snapshot like orders placed through checkout.

PostgreSQL only: written as set-based SQL (``generate_series``), it loads a million lines in
seconds where model saves would take many minutes. Meant for a fresh benchmark database: it does
nothing when bench orders exist.

manage.py seed_bench_orders --orders 100000 --lines 10 --days 180
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.catalog.api import Variant
from apps.orders.models import Order

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


class Command(BaseCommand):
    help = "Load N benchmark orders with lines, payments and refunds (PostgreSQL, set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--lines", type=int, default=10)
        parser.add_argument("--days", type=int, default=180)
        parser.add_argument("--prefix", default="BENCH", help="the catalog variants' SKU prefix")

    def handle(self, *args, orders, lines, days, prefix, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_bench_orders loads with PostgreSQL's generate_series: use PostgreSQL.")
        if Order.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists():
            self.stdout.write("bench orders exist; nothing to do")
            return
        variants = Variant.objects.filter(sku__startswith=f"{prefix}-").count()
        if not variants:
            raise CommandError(f"no variants with SKU prefix {prefix}-: run seed_bench first")
        with transaction.atomic(), connection.cursor() as cursor:
            self._load(cursor, orders=orders, lines=lines, days=days, prefix=prefix)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order; ANALYZE orders_orderline; ANALYZE orders_payment;")
            cursor.execute("ANALYZE orders_refund; ANALYZE core_activitylog;")
        self.stdout.write(f"{orders:,} orders, {orders * lines:,} lines, their payments and refunds loaded")

    def _load(self, cursor, *, orders: int, lines: int, days: int, prefix: str) -> None:
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
                id, created_at, updated_at, order_id, job_id, provider, reference, client_secret,
                amount, currency, status, amount_captured, amount_refunded, review_reason, succeeded_at,
                provider_refunds
            )
            SELECT gen_random_uuid(), o.created_at + interval '1 minute', o.created_at + interval '3 minutes',
                   o.id, NULL, CASE WHEN o.currency = 'USD' THEN 'stripe' ELSE 'paystack' END,
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
