"""In-process timing of a sales user's plain inquiry list (PostgreSQL, the bench data).

A sales user without the model-wide ``leads.view_inquiry`` sees only the inquiries assigned
to them. This times, on the database chosen by the environment (as for ``manage.py``):

- each way of reading one page and its total, alternated round-robin, page 1 and the last
  page: ``current`` (``selectors.assigned_inquiry_page`` as the code stands: one statement on
  PostgreSQL, ADR 0006 item 1) and ORM variants of ``Inquiry.objects.filter(assigned_to=user)``
  newest first: ``orm_instances`` (model instances and ``count()``), ``orm_values`` (plain
  ``values()``), ``orm_one`` (``values()`` with the total as a scalar subquery: one
  statement), ``orm_list_values`` (the staff list's ``inquiry_list_values``),
  ``orm_list_values_one`` and ``orm_own`` (the best found: ``values()`` of the inquiry's own
  columns, no join for the assignee, who is the user, and ``count()``); plus ``pg_queries``
  when the checkout still has ``apps.leads.pg_queries`` (the statement leads 0006 replaced);
- the whole view (``GET /api/v1/inquiries?page_size=20`` through Django's test client, with
  the user's JWT), as the code stands and with each ORM read in place of the selector;
- ``EXPLAIN ANALYZE`` of the ORM page and count queries.

The ORM reads need the partial index ``leads_inquiry_assigned_new`` (migration ``leads
0006``); on a database migrated before it, ``--create-index`` creates the same index first.
DEBUG is forced off (no query log), as in production.

    DATABASE_URL=postgres://… .venv/bin/python -m tests.bench.seed leads --password …
    DATABASE_URL=postgres://… .venv/bin/python -m tests.bench.inquiry_list_timing --iterations 500
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]

INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS leads_inquiry_assigned_new ON leads_inquiry "
    "(assigned_to_id, created_at DESC, id DESC) WHERE deleted_at IS NULL"
)


def _setup() -> None:
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _orm_reads():
    from django.db.models import Count, Subquery

    from apps.core.flat_rows import page_values
    from apps.leads.models import Inquiry
    from apps.leads.selectors import ASSIGNEE_COLUMNS, LIST_COLUMNS, inquiry_list_item, inquiry_list_values

    def queryset(user):
        return (
            Inquiry.objects.filter(assigned_to=user)
            .select_related("assigned_to")
            .order_by("-created_at", "-id")
        )

    def orm_instances(*, user, offset: int, limit: int):
        qs = queryset(user)
        return qs.count(), list(qs[offset : offset + limit])

    def orm_values(*, user, offset: int, limit: int):
        qs = queryset(user)
        rows = qs.values(*LIST_COLUMNS, *ASSIGNEE_COLUMNS)[offset : offset + limit]
        return qs.count(), [inquiry_list_item(row=row) for row in rows]

    def orm_one(*, user, offset: int, limit: int):
        qs = queryset(user)
        total = Inquiry.objects.filter(assigned_to=user).order_by().values("assigned_to")
        total = total.annotate(n=Count("pk")).values("n")
        rows = list(
            qs.annotate(total=Subquery(total)).values("total", *LIST_COLUMNS, *ASSIGNEE_COLUMNS)[
                offset : offset + limit
            ]
        )
        if not rows:
            return qs.count(), []
        count = rows[0]["total"]
        for row in rows:
            del row["total"]
        return count, [inquiry_list_item(row=row) for row in rows]

    def orm_list_values(*, user, offset: int, limit: int):
        qs = Inquiry.objects.filter(assigned_to=user).order_by("-created_at", "-id")
        rows = inquiry_list_values(queryset=qs)[offset : offset + limit]
        return qs.count(), [inquiry_list_item(row=row) for row in rows]

    def orm_list_values_one(*, user, offset: int, limit: int):
        qs = Inquiry.objects.filter(assigned_to=user).order_by("-created_at", "-id")
        total = Inquiry.objects.filter(assigned_to=user).order_by().values("assigned_to")
        total = total.annotate(n=Count("pk")).values("n")
        counted = page_values(qs.annotate(total=Subquery(total)), "total", *LIST_COLUMNS, *ASSIGNEE_COLUMNS)
        rows = list(counted[offset : offset + limit])
        if not rows:
            return qs.count(), []
        count = rows[0]["total"]
        for row in rows:
            del row["total"]
        return count, [inquiry_list_item(row=row) for row in rows]

    def orm_own(*, user, offset: int, limit: int):
        qs = Inquiry.objects.filter(assigned_to=user).order_by("-created_at", "-id")
        assignee = SimpleNamespace(id=user.pk, email=user.email, full_name=user.full_name)
        items = []
        for row in qs.values(*LIST_COLUMNS)[offset : offset + limit]:
            item = SimpleNamespace(**row)
            item.assigned_to = assignee
            items.append(item)
        return qs.count(), items

    return {
        "orm_own": orm_own,
        "orm_instances": orm_instances,
        "orm_values": orm_values,
        "orm_one": orm_one,
        "orm_list_values": orm_list_values,
        "orm_list_values_one": orm_list_values_one,
    }, queryset


def _paths():
    from apps.leads import selectors

    reads, queryset = _orm_reads()
    paths = {"current": selectors.assigned_inquiry_page, **reads}
    try:
        from apps.leads import pg_queries  # type: ignore[attr-defined]
    except ImportError:
        pass
    else:

        def old(*, user, offset: int, limit: int):
            return pg_queries.assigned_inquiry_page(user_id=user.pk, offset=offset, limit=limit)

        paths["pg_queries"] = old
    return paths, queryset


def _median_ms(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


def _time_round_robin(functions: dict, iterations: int, warmup: int) -> dict[str, float]:
    samples: dict[str, list[int]] = {name: [] for name in functions}
    for i in range(warmup + iterations):
        for name, function in functions.items():
            started = time.perf_counter_ns()
            function()
            elapsed = time.perf_counter_ns() - started
            if i >= warmup:
                samples[name].append(elapsed)
    return {name: _median_ms(values) for name, values in samples.items()}


def _explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.inquiry_list_timing")
    parser.add_argument("--email", default="bench-sales@example.com", help="the sales user")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--view-iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--create-index", action="store_true", help="create the ORM reads' index first")
    args = parser.parse_args(argv)
    _setup()

    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User
    from apps.leads import selectors

    if connection.vendor != "postgresql":
        sys.exit("inquiry_list_timing: PostgreSQL only (DATABASE_URL)")
    if args.create_index:
        with connection.cursor() as cursor:
            cursor.execute(INDEX_SQL)
            cursor.execute("ANALYZE leads_inquiry")
    user = User.objects.get(email=args.email)
    paths, queryset = _paths()
    total = queryset(user).count()
    size = args.page_size
    last = max(1, -(-total // size))
    pages = {"page 1": 1, f"page {last} (last)": last}
    print(f"{args.email}: {total} inquiries visible; paths: {', '.join(paths)}")

    reference = {}
    for label, number in pages.items():
        offset = (number - 1) * size
        for name, read in paths.items():
            count, rows = read(user=user, offset=offset, limit=size)
            ids = [row.id for row in rows]
            reference.setdefault(label, (count, ids))
            if (count, ids) != reference[label]:
                sys.exit(f"{name} disagrees on {label}: {count} {ids[:3]} vs {reference[label][0]}")

    print(f"\nOne page and its total, median ms over {args.iterations} runs (alternated):")
    for label, number in pages.items():
        offset = (number - 1) * size
        functions = {
            name: (lambda read=read, offset=offset: read(user=user, offset=offset, limit=size))
            for name, read in paths.items()
        }
        medians = _time_round_robin(functions, args.iterations, args.warmup)
        print(f"  {label:>16}: " + "  ".join(f"{name} {ms:.3f}" for name, ms in medians.items()))

    token = str(RefreshToken.for_user(user).access_token)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    view_paths = {
        "view (current)": None,
        **{f"view + {name}": name for name in paths if name.startswith("orm")},
    }
    print(f"\nThe whole view in-process, median ms over {args.view_iterations} requests (alternated):")
    with override_settings(ALLOWED_HOSTS=["*"]):
        for label, number in pages.items():

            def request(name, number=number):
                if name is None:
                    response = client.get(
                        "/api/v1/inquiries", {"page_size": size, "page": number}, secure=True
                    )
                else:
                    with mock.patch.object(selectors, "assigned_inquiry_page", paths[name]):
                        response = client.get(
                            "/api/v1/inquiries", {"page_size": size, "page": number}, secure=True
                        )
                assert response.status_code == 200, response.content[:300]
                return response

            bodies = {name: request(name).content for name in view_paths.values()}
            if len(set(bodies.values())) != 1:
                sys.exit(f"the view's answers differ on {label}")
            functions = {label_: (lambda name=name: request(name)) for label_, name in view_paths.items()}
            medians = _time_round_robin(functions, args.view_iterations, args.warmup)
            print(f"  {label:>16}: " + "  ".join(f"{name} {ms:.3f}" for name, ms in medians.items()))

    reads = {
        "page 1 (one statement)": lambda: paths["orm_one"](user=user, offset=0, limit=size),
        "page 1": lambda: paths["orm_instances"](user=user, offset=0, limit=size),
        f"page {last}": lambda: paths["orm_instances"](user=user, offset=(last - 1) * size, limit=size),
    }
    for label, read in reads.items():
        with CaptureQueriesContext(connection) as captured:
            read()
        for query in captured.captured_queries:
            print(f"\nEXPLAIN ANALYZE ({label}): {query['sql']}")
            print(_explain(query["sql"], None))


if __name__ == "__main__":
    main()
