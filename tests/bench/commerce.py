"""The commerce benchmark (part of ``make bench``): add-to-cart with wrk, 2,000 checkouts of
3-line carts from 8 concurrent clients against a Stripe fake on loopback, and reconciliation
of 50,000 provider payments (time and peak memory of the process that runs it). Checks after
the checkouts: no 5xx, no deadlock, no oversell (stock levels within their bounds, the ledger
exact, one order per 201)."""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CART_LUA = Path(__file__).with_name("cart.lua")
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "1 Main St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "73301",
    "country": "US",
}  # noqa: E501


def make_carts(
    count: int, lines: int, skus: list[str], rng: random.Random
) -> list[tuple[str, str, list[str]]]:
    """Carts with ``lines`` items each, inserted directly (the cart API is measured separately)."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.catalog.models import Variant
    from apps.orders.models import Cart, CartItem

    by_sku = dict(Variant.objects.filter(sku__in=skus).values_list("sku", "pk"))
    expires = timezone.now() + timedelta(days=1)
    carts = Cart.objects.bulk_create([Cart(currency="USD", expires_at=expires) for _ in range(count)])
    items, out = [], []
    for cart in carts:
        chosen = rng.sample(skus, lines)
        items += [CartItem(cart=cart, variant_id=by_sku[s], quantity=1) for s in chosen]
        out.append((str(cart.pk), cart.token, chosen))
    CartItem.objects.bulk_create(items, batch_size=2000)
    return out


def drive_checkouts(port: int, carts, clients: int) -> dict:
    """POST /checkout for every cart from ``clients`` threads on persistent connections."""
    queue = list(carts)
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    latencies: list[float] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                cart_id, token, _ = queue.pop()
            body = json.dumps({"cart_id": cart_id, "email": "bench@example.com", "shipping_address": ADDRESS})
            headers = {
                "Content-Type": "application/json",
                "X-Cart-Token": token,
                "Idempotency-Key": str(uuid.uuid4()),
            }
            started = time.perf_counter()
            conn.request("POST", "/api/v1/checkout", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                latencies.append(elapsed)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    return {
        "requests": len(latencies),
        "orders": statuses.get(201, 0),
        "statuses": statuses,
        "rps": statuses.get(201, 0) / duration,
        "duration_s": duration,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "errors": sum(n for s, n in statuses.items() if s != 201),
    }


def check_no_oversell() -> dict:
    from django.db.models import F

    from apps.inventory.models import StockLevel
    from apps.inventory.selectors import ledger_differences
    from apps.orders.models import Order

    return {
        "ledger_differences": len(ledger_differences()),
        "levels_out_of_bounds": StockLevel.objects.exclude(
            reserved__gte=0, on_hand__gte=F("reserved")
        ).count(),
        "orders": Order.objects.count(),
    }


def seed_reconciliation(fake, count: int) -> None:
    """``count`` local payments (with their orders) and the same payments at the Stripe fake."""
    from django.utils import timezone

    from apps.orders.models import Order, Payment

    now = timezone.now()
    base = 900_000_000
    for start in range(0, count, 5000):
        size = min(5000, count - start)
        orders = Order.objects.bulk_create(
            [
                Order(
                    number=f"RC-{start + i:07d}",
                    sequence=base + start + i,
                    email="r@example.com",
                    currency="USD",
                    subtotal=Decimal("10.00"),
                    total=Decimal("10.00"),
                    shipping_address=ADDRESS,
                    billing_address=ADDRESS,
                    status="paid",
                )
                for i in range(size)
            ]
        )
        Payment.objects.bulk_create(
            [
                Payment(
                    order=o,
                    provider="stripe",
                    reference=f"pi_rc{start + i:09d}",
                    amount=Decimal("10.00"),
                    currency="USD",
                    status="succeeded",
                    amount_captured=Decimal("10.00"),
                    succeeded_at=now,
                )
                for i, o in enumerate(orders)
            ]
        )
    created = int(time.time()) - 3600
    for i in range(count):
        fake.add_payment_intent(
            id=f"pi_rc{i:09d}", amount=1000, currency="usd", status="succeeded",
            metadata={"order_number": f"RC-{i:07d}"}, created=created,
        )  # fmt: skip


def run_reconciliation(env: dict) -> dict:
    # Peak memory is the process's VmHWM (its own high-water mark, reset by exec). getrusage's
    # ru_maxrss is not: Linux carries the parent's RSS at fork over into the child, so it reported
    # the benchmark driver's memory (with the Stripe fake's 50,000 payments), not this process's.
    script = (
        "import json, re, time, django; django.setup();"
        "from apps.orders.services.reconciliation import reconciliation_run;"
        "hwm = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024;"
        "before = hwm(); t = time.perf_counter(); run = reconciliation_run(provider_name='stripe', days=1);"
        "print('BENCH_JSON ' + json.dumps({'seconds': time.perf_counter() - t,"
        " 'provider_count': run.provider_count, 'local_count': run.local_count, 'issues': run.issue_count,"
        " 'maxrss_mib': hwm(), 'startup_mib': before}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def carts_file(port: int, count: int, skus: list[str], rng: random.Random, directory: Path) -> Path:
    """``count`` empty carts made through the API, one SKU each to add, for cart.lua."""
    path = directory / "bench-carts.txt"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lines = []
    for _ in range(count):
        conn.request(
            "POST", "/api/v1/carts", body='{"currency":"USD"}', headers={"Content-Type": "application/json"}
        )
        cart = json.loads(conn.getresponse().read())
        lines.append(f"{cart['id']} {cart['token']} {rng.choice(skus)}")
    conn.close()
    path.write_text("\n".join(lines) + "\n")
    return path


def env_for_wrk_carts(path: Path) -> dict:
    return {**os.environ, "WRK_CARTS_FILE": str(path)}
