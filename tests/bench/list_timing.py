"""In-process timing of the staff list pages, two ways side by side: rendered from values
(``apps.core.flat_rows``) and through the serializer (the views' ordinary DRF path).

Run it against a seeded database (``python -m tests.bench.seed ...``), chosen by the
environment as for ``manage.py``:

    DATABASE_URL=postgres://… .venv/bin/python -m tests.bench.list_timing --rounds 200

Each round requests every path once each way, alternating which goes first, so both see the
same machine. Prints the median and p90 milliseconds per request and the ratio. Test code: the
figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from unittest import mock

PATHS = (
    "/api/v1/orders",
    "/api/v1/payments",
    "/api/v1/inventory/stock",
    "/api/v1/inventory/movements",
    "/api/v1/activity-logs",
)
EMAIL = "bench-lists@example.com"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User
    from apps.accounts.services import user_create
    from apps.core import flat_rows
    from apps.core.roles import ADMIN

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    args = parser.parse_args()

    user = User.objects.filter(email=EMAIL).first() or user_create(
        email=EMAIL, full_name="Bench Lists", roles=[ADMIN]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    serializer_only = mock.patch.object(flat_rows, "_flat_rows", lambda *a: None)

    def timed(path: str, flat: bool) -> float:
        started = time.perf_counter()
        if flat:
            response = client.get(path, {"page_size": args.page_size})
        else:
            with serializer_only:
                response = client.get(path, {"page_size": args.page_size})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        return elapsed * 1000

    for path in args.paths:  # warm: caches, prepared plans, imports
        for flat in (True, False):
            for _ in range(5):
                timed(path, flat)
    times: dict[tuple[str, bool], list[float]] = {(p, f): [] for p in args.paths for f in (True, False)}
    for round_ in range(args.rounds):
        for path in args.paths:
            order = (True, False) if round_ % 2 else (False, True)
            for flat in order:
                times[path, flat].append(timed(path, flat))

    print(f"{'path':32} {'values ms':>10} {'p90':>7} {'serializer ms':>14} {'p90':>7} {'ratio':>6}")
    for path in args.paths:
        flat, plain = times[path, True], times[path, False]
        median_flat, median_plain = statistics.median(flat), statistics.median(plain)
        p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
        print(
            f"{path:32} {median_flat:10.2f} {p90(flat):7.2f} {median_plain:14.2f} {p90(plain):7.2f} "
            f"{median_plain / median_flat:6.2f}"
        )


if __name__ == "__main__":
    main()
