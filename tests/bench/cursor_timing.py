"""In-process timings of the kept hand-written statements (the catalog pages, the cart's reads)
with the connection's statements prepared (``DATABASE_PREPARED_STATEMENTS``: server-side
binding, ``prepare_threshold`` 5, what every query gets) against Django's client-side binding
with nothing prepared, alternated call by call on one connection and the same data.

    DATABASE_URL=postgres://…/bench_db DJANGO_DEBUG=false python -m tests.bench.cursor_timing

The figures and the decision they support: docs/decisions/0006-postgresql-fast-paths.md.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.postgresql.base import Cursor, ServerBindingCursor  # noqa: E402

from apps.catalog import selectors as catalog  # noqa: E402
from apps.catalog.api import Variant  # noqa: E402
from apps.catalog.models import Product  # noqa: E402
from apps.orders import selectors as orders  # noqa: E402
from apps.orders.models import Cart  # noqa: E402
from tests.bench import catalog_read_timing as timing  # noqa: E402


def with_binding(call: Callable, *, prepared: bool) -> Callable:
    """``call`` on the same connection, its statements bound on the server and prepared from
    the fifth run, or bound on the client and never prepared."""

    def run():
        raw = connection.connection
        raw.cursor_factory = ServerBindingCursor if prepared else Cursor
        raw.prepare_threshold = 5 if prepared else None
        return call()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "prepared statements are a PostgreSQL matter"
    connection.ensure_connection()
    rng = random.Random(7)  # noqa: S311 - reproducible picks, not security
    anonymous = AnonymousUser()
    slugs = list(Product.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))
    skus = list(Variant.objects.filter(sku__startswith="BENCH-").values_list("sku", flat=True)[:2000])
    from tests.bench.commerce import make_carts

    carts = make_carts(50, 3, skus, rng)
    cart_objs = list(Cart.objects.filter(pk__in=[c[0] for c in carts]))

    page = timing.scoped(
        lambda: catalog.product_page(user=anonymous, currency=None, ordering="position", offset=0, limit=20)
    )
    detail = timing.scoped(
        lambda: catalog.product_detail(user=anonymous, slug=rng.choice(slugs), currency=None)
    )

    def lines():
        return orders.cart_lines(rng.choice(cart_objs))

    def add():
        cart_id, _, _ = rng.choice(carts)
        return orders.cart_for_add(cart_id=cart_id, sku=rng.choice(skus))

    print("old = prepared (server-side binding), new = client-side binding, not prepared")
    print(timing.HEADER.format(what="read"))
    reads = (
        ("list page 1", page),
        ("product page", detail),
        ("cart lines", lines),
        ("cart read for add", add),
    )
    for name, call in reads:
        timing.report(
            name, with_binding(call, prepared=True), with_binding(call, prepared=False), args.iterations
        )


if __name__ == "__main__":
    main()
