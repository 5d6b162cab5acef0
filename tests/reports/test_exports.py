"""CSV exports (GET /api/v1/export/{dataset}): who may export what (generated from the
datasets), the list endpoint's filters and row counts, formula injection, the Excel BOM, the
file name, the activity log entry, and flat memory over 200,000 rows."""

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import ActivityLog
from apps.core.roles import ALL_ROLES
from apps.leads.models import Inquiry
from apps.reports.csv_stream import cell, neutralise
from apps.reports.datasets import DATASETS
from tests.helpers import assert_error
from tests.tracking.factories import paid_order

pytestmark = pytest.mark.django_db


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body_of(response).lstrip("\ufeff"))))


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_matrix(auth_client, name, role):
    """Generated from the datasets: each role gets 200 (a CSV with the header) or 403."""
    response = auth_client(role).get(f"/api/v1/export/{name}")
    if role in DATASETS[name].roles:
        assert response.status_code == 200, role
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert rows_of(response)[0] == DATASETS[name].header
    else:
        assert_error(response, 403, code="permission_denied")


def test_anonymous_401_and_unknown_dataset_404(api_client, auth_client):
    assert api_client.get("/api/v1/export/orders").status_code == 401
    body = assert_error(auth_client("admin").get("/api/v1/export/customers"), 404, code="not_found")
    assert "orders, order-lines" in body["errors"][0]["detail"]


def test_rows_match_the_filtered_list_and_money_and_times_are_plain(auth_client):
    finance = auth_client("finance")
    orders = [paid_order({f"XA{i}": 1, f"XB{i}": 2}, email=f"c{i}@example.com") for i in range(3)]
    orders[0].status = "cancelled"
    orders[0].save(update_fields=["status"])
    for params in ("", "?status=paid", "?status=cancelled", "?search=c1@example.com", "?currency=usd"):
        listed = finance.get(f"/api/v1/orders{params}").json()["count"]
        exported = rows_of(finance.get(f"/api/v1/export/orders{params}"))
        assert len(exported) - 1 == listed, params
    header, *rows = rows_of(finance.get("/api/v1/export/orders?status=paid"))
    row = dict(zip(header, rows[0], strict=True))
    assert row["total"] == f"{orders[1].total}" and Decimal(row["total"]) == orders[1].total
    assert row["currency"] == "USD"
    assert row["created_at"].endswith("Z") and "T" in row["created_at"]
    lines = rows_of(finance.get("/api/v1/export/order-lines?status=paid"))
    assert len(lines) - 1 == sum(o.lines.count() for o in orders[1:])


def test_a_bad_filter_is_a_400_before_anything_streams(auth_client):
    finance = auth_client("finance")
    assert_error(
        finance.get("/api/v1/export/orders?status=lost"), 400, kind="validation_error", attr="status"
    )
    assert_error(
        finance.get("/api/v1/export/payments?created_after=yesterday"),
        400,
        kind="validation_error",
        attr="created_after",
    )
    assert not ActivityLog.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_formula_injection_is_neutralised(auth_client, text):
    Inquiry.objects.create(full_name=text, email="evil@example.com", company=text, message=text)
    header, *rows = rows_of(auth_client("admin").get("/api/v1/export/inquiries"))
    row = dict(zip(header, rows[0], strict=True))
    for column in ("full_name", "company", "message"):
        assert row[column] == "'" + text, column
    assert neutralise("plain") == "plain" and cell(-3) == "-3" and cell(Decimal("-1.50")) == "-1.50"


def test_excel_bom_file_name_and_activity_log(auth_client):
    admin = auth_client("admin")
    response = admin.get(
        "/api/v1/export/payments?excel=true&created_after=2026-01-01T00:00:00Z&created_before=2026-02-01T00:00:00Z"
    )
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()) and raw[3:].startswith(b"id,created_at")
    assert response["Content-Disposition"] == 'attachment; filename="payments_2026-01-01_2026-02-01.csv"'
    today = timezone.localdate().isoformat()
    plain = admin.get("/api/v1/export/refunds")
    assert not b"".join(plain.streaming_content).startswith("\ufeff".encode())
    assert plain["Content-Disposition"] == f'attachment; filename="refunds_all_{today}.csv"'
    entry = ActivityLog.objects.filter(action="export", entity_type="export.payments").get()
    assert entry.actor == admin.user
    assert entry.after["filters"] == {
        "created_after": "2026-01-01T00:00:00Z",
        "created_before": "2026-02-01T00:00:00Z",
    }
    assert entry.after["rows"] == 0 and entry.after["complete"] is True and entry.after["excel"] is True


def test_a_sales_user_exports_only_their_inquiries(auth_client, make_user):
    from apps.leads.services import inquiries as leads

    sales = auth_client("sales")
    mine = Inquiry.objects.create(full_name="Mine", email="mine@example.com")
    Inquiry.objects.create(full_name="Other", email="other@example.com")
    leads.inquiry_assign(inquiry=mine, assignee=sales.user, actor=make_user("admin"))
    header, *rows = rows_of(sales.get("/api/v1/export/inquiries"))
    assert [dict(zip(header, r, strict=True))["email"] for r in rows] == ["mine@example.com"]
    assert len(rows) == sales.get("/api/v1/inquiries").json()["count"]


def test_200000_rows_stream_in_flat_memory(auth_client):
    """The export holds a chunk at a time: 200,000 rows, peak Python allocation under 50 MiB
    (tracemalloc) while the whole body is read and thrown away."""
    now = timezone.now()
    batch = [
        ActivityLog(actor_email=f"user{i}@example.com", action="update", entity_type="demo.row",
                    entity_id=str(i), entity_repr=f"Row {i}", after={"n": i}, created_at=now)
        for i in range(10_000)
    ]  # fmt: skip
    for _ in range(20):
        for row in batch:
            row.pk = None
            row.id = __import__("uuid").uuid4()
        ActivityLog.objects.bulk_create(batch, batch_size=5000)
    admin = auth_client("admin")
    tracemalloc.start()
    try:
        response = admin.get("/api/v1/export/activity-logs?entity_type=demo.row")
        lines = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == 200_001  # the header and every row
    assert peak < 50 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    "path, who, status",
    [
        ("/api/v1/export/orders", None, 401),
        ("/api/v1/export/activity-logs", "sales", 403),
        ("/api/v1/export/orders?excel=maybe", "finance", 400),
        ("/api/v1/analytics/export", "customer", 403),
        ("/api/v1/analytics/export?period=", "admin", 400),
        ("/api/v1/reports/00000000-0000-0000-0000-000000000000/download?token=x", None, 403),
    ],
)
def test_a_csv_endpoints_errors_are_json_whatever_it_accepts(api_client, auth_client, path, who, status):
    """Found by the fuzzer: with ``Accept: text/csv`` an export's 401/403 went out as text/csv
    holding the envelope's keys ("typeerrors"). Errors are the JSON envelope, as documented."""
    client = auth_client(who) if who else api_client
    response = client.get(path, HTTP_ACCEPT="text/csv")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert_error(response, status, kind="validation_error" if "period" in path else "client_error")
