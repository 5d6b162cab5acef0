"""Finance figures (API and the admin page with its date range and charts) and the admin
dashboard on the index page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.orders.models import Order
from apps.reports import finance
from tests.helpers import assert_error
from tests.tracking.factories import paid_order

pytestmark = pytest.mark.django_db


def _orders():
    paid = [paid_order({f"FN{i}": 1}, email=f"f{i}@example.com") for i in range(3)]
    Order.objects.filter(pk=paid[0].pk).update(paid_at=timezone.now() - timedelta(days=2))
    waiting = paid_order({"FNW": 2}, email="w@example.com")
    Order.objects.filter(pk=waiting.pk).update(status="pending_payment", paid_at=None)
    return paid, waiting


def test_revenue_payments_refunds_and_outstanding(auth_client, django_assert_max_num_queries):
    paid, waiting = _orders()
    client = auth_client("finance")
    with django_assert_max_num_queries(8):  # auth + one grouped query
        revenue = client.get("/api/v1/finance/revenue").json()
    assert len(revenue["results"]) == 30  # every day of the default range, one currency
    assert sum(r["orders"] for r in revenue["results"]) == 3
    today = [r for r in revenue["results"] if r["date"] == timezone.localdate().isoformat()][0]
    assert today["orders"] == 2 and today["revenue"] == f"{paid[1].total + paid[2].total:.2f}"
    outstanding = client.get("/api/v1/finance/outstanding").json()
    assert outstanding["totals"] == [{"currency": "USD", "count": 1, "amount": f"{waiting.total:.2f}"}]
    assert outstanding["oldest"][0]["number"] == waiting.number
    assert client.get("/api/v1/finance/payments").status_code == 200
    assert client.get("/api/v1/finance/refunds").json()["results"] == []
    one_day = client.get(f"/api/v1/finance/revenue?date_from={timezone.localdate()}").json()
    assert [r["orders"] for r in one_day["results"]] == [2]


@pytest.mark.parametrize(
    ("query", "attr"),
    [("date_from=yesterday", "date_from"), ("date_to=2026-13-01", "date_to"),
     ("date_from=2026-02-01&date_to=2026-01-01", "date_from"),
     ("date_from=2024-01-01&date_to=2026-01-01", "date_from"),
     # Dates at the ends of the calendar (found by the fuzzer: the default start 30 days
     # before 0001-01-01, and the midnight after 9999-12-31, do not exist; they were 500s).
     ("date_to=0001-01-01", "date_to"), ("date_to=0001-01-01&date_from=2000-01-01", "date_to"),
     ("date_from=9999-12-31", "date_from"), ("date_to=9999-12-31", "date_to")],
)  # fmt: skip
def test_bad_ranges_are_400(auth_client, query, attr):
    client = auth_client("admin")
    for endpoint in ("revenue", "payments", "refunds"):  # outstanding: now, no range
        assert_error(client.get(f"/api/v1/finance/{endpoint}?{query}"), 400, attr=attr)


def test_the_calendars_ends_within_the_allowed_dates(auth_client):
    client = auth_client("admin")
    early = client.get("/api/v1/finance/revenue?date_to=1900-01-10")
    assert early.status_code == 200, early.content
    assert early.json()["date_from"] == "1900-01-01"  # the default start, clamped
    late = client.get("/api/v1/finance/payments?date_from=9999-12-01&date_to=9999-12-30")
    assert late.status_code == 200, late.content


def test_only_finance_and_admin(auth_client):
    for role in ("sales", "support", "logistics", "customer"):
        assert_error(auth_client(role).get("/api/v1/finance/outstanding"), 403)


@pytest.fixture
def admin_browser(client, make_user):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def test_admin_index_shows_the_dashboard_with_charts(admin_browser):
    _orders()
    page = admin_browser.get(reverse("admin:index")).content.decode()
    assert 'id="dashboard"' in page and "Last 30 days" in page
    assert page.count('class="foundry-chart"') == 2
    assert "Orders per day" in page and "Inquiries per day" in page
    assert reverse("admin:finance") in page


def test_admin_finance_page_with_a_date_range(admin_browser, client, make_user):
    paid, waiting = _orders()
    url = reverse("admin:finance")
    page = admin_browser.get(url).content.decode()
    assert "Revenue per day, USD" in page and waiting.number in page and "<svg" in page
    start = (timezone.localdate() - timedelta(days=1)).isoformat()
    narrowed = admin_browser.get(f"{url}?date_from={start}").content.decode()
    assert f'value="{start}"' in narrowed
    bad = admin_browser.get(f"{url}?date_from=nonsense").content.decode()
    assert "date_from must be a date" in bad
    sales = make_user("sales", is_staff=True)
    client.force_login(sales)
    assert client.get(url).status_code == 403


def test_date_range_default():
    start, end = finance.date_range({})
    assert end == timezone.localdate() and (end - start).days == 29


def test_admin_export_streams_the_csv_for_a_staff_session(admin_browser, client, make_user):
    paid, _ = _orders()
    page = admin_browser.get(reverse("admin:finance")).content.decode()
    assert reverse("admin:export", args=["orders"]) in page
    response = admin_browser.get(reverse("admin:export", args=["orders"]) + "?status=paid")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and body.startswith("number,created_at,status")
    assert body.count("\r\n") == 1 + 3 and paid[0].number in body
    assert admin_browser.get(reverse("admin:export", args=["orders"]) + "?status=nope").status_code == 400
    assert admin_browser.get(reverse("admin:export", args=["nothing"])).status_code == 404
    client.force_login(make_user("sales", is_staff=True))
    assert client.get(reverse("admin:export", args=["orders"])).status_code == 403
    assert client.get(reverse("admin:export", args=["inquiries"])).status_code == 200


def _refunded_payment(order, amount="5.00"):
    """A captured offline payment of ``order`` with one refund through the refund service."""
    from decimal import Decimal

    from apps.orders.models import Payment
    from apps.orders.services.refunds import refund_create

    payment = Payment.objects.create(
        order=order,
        provider="offline",
        reference=f"pi_{order.number}",
        amount=order.total,
        currency=order.currency,
        status=Payment.Status.SUCCEEDED,
        amount_captured=order.total,
    )
    return refund_create(payment=payment, amount=Decimal(amount), reason="damaged")


def test_refunds_are_listed_once_any_exists(auth_client):
    """Once a refund existed, /finance/refunds and the admin's finance page answered 500
    (KeyError: 'payment__currency': the breakdown's rows were renamed twice)."""
    paid, _ = _orders()
    _refunded_payment(paid[0])
    _refunded_payment(paid[1], amount="2.50")
    response = auth_client("finance").get("/api/v1/finance/refunds")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"currency": "USD", "status": "succeeded", "count": 2, "amount": "7.50"}
    ]


def test_admin_finance_page_lists_refunds(admin_browser):
    paid, _ = _orders()
    _refunded_payment(paid[0])
    response = admin_browser.get(reverse("admin:finance"))
    assert response.status_code == 200
    assert "5.00" in response.content.decode()
