"""The PostgreSQL fast path of the exports (``apps.reports.copy_csv``: the database writes the
CSV with COPY) gives the same bytes as the Python path (``csv_stream``) for every dataset it
takes, on rows full of what breaks CSV writers: formula prefixes, quotes, commas, line breaks,
non-ASCII text, empty text next to NULL, negative numbers, booleans, microsecond timestamps;
and its row counts are exact; a client that leaves mid-stream leaves the connection usable."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.core.models import ActivityLog
from apps.inventory.models import StockMovement
from apps.orders.models import OrderLine, Payment, Refund
from apps.reports.copy_csv import copy_rows, copy_statement
from apps.reports.csv_stream import row_chunks
from apps.reports.datasets import DATASETS, dataset_csv, dataset_rows
from tests.leads.factories import InquiryFactory
from tests.rfq.factories import rfq_make
from tests.tracking.factories import paid_order

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NASTY = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tleading tab",
    "\rleading return",
    'quote " inside, and a comma',
    "two\nlines",
    "crlf\r\ninside",
    "Ñandú — naïve café 東京",
    "",
    " leading space",
    "'already quoted",
]


def _python_bytes(dataset, queryset) -> bytes:
    return b"".join(text.encode() for text, _ in row_chunks(dataset_rows(dataset, queryset)))


def _copy_bytes(dataset, queryset) -> tuple[bytes, int]:
    statement = copy_statement(dataset.paths, dataset.order_by, queryset)
    assert statement is not None, dataset.name
    chunks = list(copy_rows(statement))
    return b"".join(chunk for chunk, _ in chunks), sum(rows for _, rows in chunks)


@pytest.fixture
def nasty_rows(make_user):
    order = paid_order({f"CP-{i}": 1 + i % 3 for i in range(len(NASTY))}, email="=cmd@example.com")
    lines = list(OrderLine.objects.filter(order=order))
    for line, text in zip(lines, NASTY, strict=True):
        line.name = text
        line.save(update_fields=["name"])
    order.needs_review = True
    order.save(update_fields=["needs_review"])
    payment = Payment.objects.get(order=order)
    payment.review_reason = 'crlf\r\ninside, "quoted"'
    payment.created_at = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    payment.amount_captured, payment.amount_refunded = payment.amount, Decimal("1.50")
    payment.save(update_fields=["review_reason", "created_at", "amount_captured", "amount_refunded"])
    Refund.objects.create(
        payment=payment, amount=Decimal("1.50"), reason="-negative start", status="succeeded"
    )
    for i, text in enumerate(NASTY):
        InquiryFactory(
            full_name=text or "x", company=text, message=text, phone="" if i % 2 else "+2348030000000"
        )
    rfq_make(skus=("CP-0",), company="@rfq corp", requirements="two\nlines")
    level_movement = StockMovement.objects.filter(variant__sku="CP-0").first()
    StockMovement.objects.create(
        stock_level=level_movement.stock_level, variant=level_movement.variant,
        warehouse=level_movement.warehouse, on_hand_delta=-3, reason="damaged", note="=1+1",
        actor=make_user("logistics"),
    )  # fmt: skip


COPY_DATASETS = [name for name in DATASETS if name != "activity-logs"]


@pytest.mark.parametrize("name", COPY_DATASETS)
def test_copy_gives_the_python_paths_bytes(nasty_rows, make_user, name):
    dataset = DATASETS[name]
    queryset = dataset.rows(make_user("admin"))
    python = _python_bytes(dataset, queryset)
    copied, rows = _copy_bytes(dataset, queryset)
    assert rows == queryset.count() > 0
    assert copied == python
    parsed = list(csv.reader(io.StringIO(copied.decode())))
    assert len(parsed) == rows  # line breaks inside cells stay inside their quoted cell


def test_the_formula_prefixes_are_neutralised_by_the_database(nasty_rows):
    dataset = DATASETS["order-lines"]
    copied, _ = _copy_bytes(dataset, dataset.rows(None))
    names = [row[4] for row in csv.reader(io.StringIO(copied.decode()))]
    for text in NASTY[:6]:
        assert "'" + text in names
    assert "Ñandú — naïve café 東京" in names


def test_json_columns_take_the_python_path():
    dataset = DATASETS["activity-logs"]
    assert copy_statement(dataset.paths, dataset.order_by, ActivityLog.objects.all()) is None


def test_filters_travel_as_quoted_parameters(nasty_rows):
    """The list filters' values (here a search with quotes and a percent sign) are quoted into
    the COPY statement by the client-side cursor, never spliced as SQL."""
    dataset = DATASETS["orders"]
    queryset = dataset.rows(None).filter(email__icontains="'; DROP TABLE orders_order; --%")
    copied, rows = _copy_bytes(dataset, queryset)
    assert (copied, rows) == (b"", 0)
    matching = dataset.rows(None).filter(email__icontains="=cmd")
    copied, rows = _copy_bytes(dataset, matching)
    assert rows == 1 and b",'=cmd@example.com," in copied


def test_a_client_leaving_mid_stream_leaves_the_connection_usable(nasty_rows, monkeypatch):
    monkeypatch.setattr("apps.reports.copy_csv.CHUNK_BYTES", 1)  # one chunk per row
    dataset = DATASETS["inventory-movements"]
    stream = dataset_csv(dataset, dataset.rows(None))
    next(stream)  # the header
    next(stream)  # one row
    stream.close()  # the client went away
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert StockMovement.objects.count() > 1


@pytest.mark.django_db(transaction=True)
def test_a_report_writes_its_progress_while_the_database_streams_the_rows(
    auth_client, monkeypatch, tmp_path, settings
):
    """The progress updates go through a connection of their own: on the worker's connection
    they would wait for the COPY that waits for them (the worker hung before this)."""
    import threading

    from django.db import transaction

    from apps.reports import services

    settings.REPORTS_ROOT = str(tmp_path)
    paid_order({f"PR-{i}": 1 for i in range(7)}, email="progress@example.com")
    monkeypatch.setattr("apps.reports.copy_csv.CHUNK_BYTES", 1)  # one chunk per row
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    seen = []
    real_call = services._Progress.__call__
    reader = []  # a connection of the worker thread's own: its default one is busy with the COPY

    def spy(self, rows):
        real_call(self, rows)
        if not reader:
            reader.append(connections.create_connection(DEFAULT_DB_ALIAS))
        with reader[0].cursor() as cursor:  # committed: visible to every connection
            cursor.execute("SELECT rows FROM reports_report WHERE id = %s", [self.report.pk])
            seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(services._Progress, "__call__", spy)
    admin = auth_client("admin")
    with mock.patch("apps.reports.tasks.generate_report.delay"), transaction.atomic():
        report = services.report_request(user=admin.user, dataset="order-lines", filters={})
    outcome = []

    def generate():
        try:
            outcome.append(services.report_generate(report_id=report.pk))
        finally:
            for opened in (connection, *reader):  # this thread's connections
                opened.close()

    worker = threading.Thread(target=generate, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the report hung"
    assert outcome == ["done: 7 rows"]
    assert seen == [2, 4, 6]
    report.refresh_from_db()
    assert (report.status, report.rows) == ("done", 7)
