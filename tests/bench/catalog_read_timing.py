"""In-process timings of the catalog pages, the list's total and the cart's reads: the
hand-written PostgreSQL statements (``apps.catalog.pg_queries``, the cart's SQL in
``apps.orders.selectors``) against the best ORM version of the same read, alternated call by
call on the same connection, on the bench data (``python -m tests.bench.seed all`` and
``stock``). The catalog's ORM versions are the portable reads in ``apps.catalog.selectors``;
the cart's are below (the cart keeps one implementation, its SQL). ADR 0006 holds the figures
and the decisions; docs/benchmarks.md the runs.

    DATABASE_URL=postgres://…/bench_db REDIS_URL=redis://127.0.0.1:6379/7 DJANGO_DEBUG=false \
        python -m tests.bench.catalog_read_timing [--iterations 300] [--views]

Each pair prints the median wall time and the median CPU time of this process (the
database's work excluded) in ms per call, and old/new (old: the hand-written path). With
``--views`` the endpoints are timed too, through Django's test client (response cache off),
with the view's selector swapped for the ORM version.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from uuid import UUID

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F, OuterRef, Subquery  # noqa: E402
from django.test import Client  # noqa: E402

from apps.catalog import selectors as catalog  # noqa: E402
from apps.catalog.api import Variant, price_expression  # noqa: E402
from apps.catalog.models import Product  # noqa: E402
from apps.core.memo import request_scope  # noqa: E402
from apps.core.pagination import list_count  # noqa: E402
from apps.inventory.api import available_expression  # noqa: E402
from apps.orders import selectors as orders  # noqa: E402
from apps.orders.models import Cart, CartItem  # noqa: E402
from apps.orders.pricing import money_round  # noqa: E402
from apps.orders.selectors import CartVariant  # noqa: E402

# --- The cart's reads through the ORM, with the expressions catalog and inventory export ----


def cart_for_add_orm(*, cart_id: UUID | str, sku: str) -> tuple[Cart, CartVariant | None] | None:
    """The cart, and the variant with ``sku`` (the exact SKU through its unique index; another
    case only if that finds nothing) with its price in the cart's currency, the units available
    and how many the cart already holds. None when there is no such cart."""
    cart = Cart.objects.filter(pk=cart_id).first()
    if cart is None:
        return None
    variants = Variant.objects.annotate(
        product_status=F("product__status"),
        unit_price=price_expression(currency=cart.currency),
        available=available_expression(),
        in_cart=Subquery(
            CartItem.objects.filter(cart_id=cart.pk, variant_id=OuterRef("pk")).values("quantity")[:1]
        ),
    ).values("id", "sku", "is_active", "product_status", "unit_price", "available", "in_cart")
    row = variants.filter(sku=sku).first() or variants.filter(sku__iexact=sku).first()
    if row is None:
        return cart, None
    return cart, CartVariant(
        id=row["id"],
        sku=row["sku"],
        is_active=row["is_active"],
        product_status=row["product_status"],
        unit_price=row["unit_price"],
        available=row["available"],
        in_cart=row["in_cart"] or 0,
    )


def cart_lines_orm(*, cart: Cart) -> list[dict]:
    """The cart's items priced now, from the catalog, in the cart's currency, with the stock
    available: one query."""
    rows = (
        CartItem.objects.filter(cart_id=cart.pk)
        .annotate(
            unit_price=price_expression(currency=cart.currency, variant_ref="variant_id"),
            available=available_expression(variant_ref="variant_id"),
        )
        .order_by("created_at", "id")
        .values_list(
            "id",
            "quantity",
            "variant__sku",
            "variant__name",
            "variant__is_active",
            "variant__product__name",
            "variant__product__slug",
            "variant__product__status",
            "unit_price",
            "available",
        )
    )
    lines = []
    for item_id, quantity, sku, variant_name, active, product_name, slug, status, price, available in rows:
        sellable = price is not None and active and status == "active"
        lines.append(
            {
                "id": str(item_id),
                "sku": sku,
                "name": f"{product_name} — {variant_name}",
                "product_slug": slug,
                "quantity": quantity,
                "unit_price": money_round(price, cart.currency) if sellable else None,
                "line_total": money_round(price * quantity, cart.currency) if sellable else None,
                "available": available,
                "sellable": sellable,
            }
        )
    return lines


def _pair(old: Callable, new: Callable, iterations: int) -> dict[str, list[float]]:
    """Wall and CPU (this process) ms per call of each, alternating which runs first."""
    for _ in range(20):  # warm: prepared statements, caches, imports
        old()
        new()
    times: dict[str, list[float]] = {"old": [], "new": [], "old_cpu": [], "new_cpu": []}
    for i in range(iterations):
        pair = [("old", old), ("new", new)]
        if i % 2:
            pair.reverse()
        for key, call in pair:
            cpu, start = time.process_time(), time.perf_counter()
            call()
            times[key].append((time.perf_counter() - start) * 1000)
            times[f"{key}_cpu"].append((time.process_time() - cpu) * 1000)
    return times


def report(name: str, old: Callable, new: Callable, iterations: int) -> None:
    t = _pair(old, new, iterations)
    m = {key: statistics.median(values) for key, values in t.items()}
    print(
        f"| {name} | {m['old']:.2f} | {m['new']:.2f} | {m['old'] / m['new']:.2f} "
        f"| {m['old_cpu']:.2f} | {m['new_cpu']:.2f} | {m['old_cpu'] / m['new_cpu']:.2f} |",
        flush=True,
    )


HEADER = (
    "| {what} | old ms | new ms | old/new | old CPU ms | new CPU ms | old/new CPU |\n"
    "|---|---|---|---|---|---|---|"
)


def scoped(call: Callable) -> Callable:
    """``call`` inside a request scope (as a request runs: the site settings read once)."""

    def run():
        with request_scope():
            return call()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--views", action="store_true")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "the hand-written paths run on PostgreSQL only"
    n = args.iterations
    anonymous = AnonymousUser()
    rng = random.Random(7)  # noqa: S311 - reproducible picks, not security
    slugs = list(Product.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))
    from tests.bench.commerce import make_carts

    skus = list(Variant.objects.filter(sku__startswith="BENCH-").values_list("sku", flat=True)[:2000])
    carts = make_carts(50, 3, skus, rng)
    cart_objs = list(Cart.objects.filter(pk__in=[c[0] for c in carts]))

    print(HEADER.format(what="read"))

    def page(fn, **kw):
        return lambda: fn(user=anonymous, currency=None, ordering="position", offset=0, limit=20, **kw)

    report(
        "list page 1 (20, position)",
        scoped(page(catalog.product_page)),
        scoped(page(catalog.product_page_portable)),
        n,
    )

    def deep(fn):
        return lambda: fn(
            user=anonymous, currency=None, ordering="position", offset=rng.randrange(0, 9980), limit=20
        )

    report(
        "list random page (20, position)",
        scoped(deep(catalog.product_page)),
        scoped(deep(catalog.product_page_portable)),
        n,
    )
    report(
        "list page 1, price 100-500 USD",
        scoped(page(catalog.product_page, min_price=100, max_price=500)),
        scoped(page(catalog.product_page_portable, min_price=100, max_price=500)),
        n,
    )
    report(
        "list page 1, ordering=price",
        scoped(lambda: catalog.product_page(user=anonymous, currency=None, ordering="price", limit=20)),
        scoped(
            lambda: catalog.product_page_portable(
                user=anonymous, currency=None, ordering="price", offset=0, limit=20
            )
        ),
        max(n // 8, 20),
    )
    report(
        "product page",
        scoped(lambda: catalog.product_detail(user=anonymous, slug=rng.choice(slugs), currency=None)),
        scoped(
            lambda: catalog.product_detail_portable(user=anonymous, slug=rng.choice(slugs), currency=None)
        ),
        n,
    )

    base = catalog.product_list(user=anonymous, currency="USD")

    def in_statement_count() -> int:
        """What the page statement adds for its total (run alone)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM catalog_product p WHERE p.status = 'active'")
            return cursor.fetchone()[0]

    report("total: count(*) vs ORM count()", in_statement_count, lambda: base.count(), n)
    report("total: count(*) vs cached list_count()", in_statement_count, lambda: list_count(base), n)

    report(
        "cart lines (3)",
        lambda: orders.cart_lines(cart=rng.choice(cart_objs)),
        lambda: cart_lines_orm(rng.choice(cart_objs)),
        n,
    )

    def add_read(fn):
        def run():
            cart_id, _, chosen = rng.choice(carts)
            return fn(cart_id=cart_id, sku=rng.choice(skus))

        return run

    report("cart read for add", add_read(orders.cart_for_add), add_read(cart_for_add_orm), n)

    if args.views:
        views(n, slugs, carts, rng)


def views(n: int, slugs: list[str], carts, rng) -> None:
    """The endpoints through the test client, swapping the selector the view calls."""
    from apps.orders.services import carts as cart_services

    settings.CATALOG_CACHE_SECONDS = 0
    client = Client()
    print(HEADER.format(what="endpoint (test client)"))
    originals = {
        "page": catalog.product_page,
        "detail": catalog.product_detail,
        "lines": orders.cart_lines,
        "add": cart_services.cart_for_add,
    }

    def with_path(new: bool, call: Callable) -> Callable:
        def run():
            if new:
                catalog.product_page = catalog.product_page_portable  # type: ignore[assignment]
                catalog.product_detail = catalog.product_detail_portable  # type: ignore[assignment]
                orders.cart_lines = cart_lines_orm  # type: ignore[assignment]
                cart_services.cart_for_add = cart_for_add_orm  # type: ignore[assignment]
            try:
                response = call()
                assert response.status_code in (200, 201), response.content[:300]
            finally:
                catalog.product_page = originals["page"]  # type: ignore[assignment]
                catalog.product_detail = originals["detail"]  # type: ignore[assignment]
                orders.cart_lines = originals["lines"]  # type: ignore[assignment]
                cart_services.cart_for_add = originals["add"]  # type: ignore[assignment]

        return run

    def pair(name: str, call: Callable, iterations: int = n):
        report(name, with_path(False, call), with_path(True, call), iterations)

    pair("GET /products?page_size=20", lambda: client.get("/api/v1/products", {"page_size": 20}))
    pair(
        "GET /products?page_size=20&min_price=100&max_price=500",
        lambda: client.get("/api/v1/products", {"page_size": 20, "min_price": 100, "max_price": 500}),
    )
    pair("GET /products/{slug}", lambda: client.get(f"/api/v1/products/{rng.choice(slugs)}"))

    def cart_get():
        cart_id, token, _ = rng.choice(carts)
        return client.get(f"/api/v1/carts/{cart_id}", HTTP_X_CART_TOKEN=token)

    pair("GET /carts/{id}", cart_get)
    skus = [s for _, _, chosen in carts for s in chosen]

    def cart_add():
        cart_id, token, _ = rng.choice(carts)
        return client.post(
            f"/api/v1/carts/{cart_id}/items",
            {"sku": rng.choice(skus), "quantity": 1},
            content_type="application/json",
            HTTP_X_CART_TOKEN=token,
        )

    pair("POST /carts/{id}/items", cart_add, max(n // 2, 20))


if __name__ == "__main__":
    main()
