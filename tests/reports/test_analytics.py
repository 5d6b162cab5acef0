"""Analytics: events (device, browser, truncated IP, throttle), the daily snapshot (idempotent,
equal to the raw counts), the dashboard endpoints and the CSV export."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads.models import Inquiry
from apps.orders.models import Order
from apps.reports import analytics
from apps.reports.models import AnalyticsEvent, DailyMetric
from apps.rfq.models import RFQ
from tests.helpers import assert_error
from tests.tracking.factories import paid_order

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 "
    "Mobile/15E148 Safari/604.1"
)
CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
EDGE = CHROME_WIN + " Edg/131.0"
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1"
ANDROID_TAB = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("ua", "device", "browser"),
    [(IPHONE, "mobile", "safari"), (CHROME_WIN, "desktop", "chrome"), (EDGE, "desktop", "edge"),
     (IPAD, "tablet", "safari"), (ANDROID_TAB, "tablet", "chrome"), (FIREFOX, "desktop", "firefox"),
     (BOT, "bot", "other"), ("", "other", "other")],
)  # fmt: skip
def test_user_agent_parsing(ua, device, browser):
    assert analytics.parse_user_agent(ua) == (device, browser)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("203.0.113.57", "203.0.113.0"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"), ("junk", None), (None, None)],
)
def test_ip_truncation(raw, kept):
    assert analytics.truncate_ip(raw) == kept


def test_post_event_is_public_stores_coarse_data_and_is_throttled(api_client, settings):
    settings.ANALYTICS_THROTTLE_RATE = "3/min"
    body = {
        "event_type": "page_view",
        "page_path": "/products",
        "session_id": "s-1",
        "referrer": "https://x.example",
    }
    response = api_client.post(
        "/api/v1/analytics/events", body, format="json", HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.23"
    )
    assert response.status_code == 202
    event = AnalyticsEvent.objects.get()
    assert (event.device_type, event.browser, event.ip_truncated) == ("mobile", "safari", "198.51.100.0")
    assert event.page_path == "/products" and event.session_id == "s-1" and event.user is None
    same_ip = {"REMOTE_ADDR": "198.51.100.23"}
    for _ in range(2):
        assert api_client.post("/api/v1/analytics/events", body, format="json", **same_ip).status_code == 202
    throttled = api_client.post("/api/v1/analytics/events", body, format="json", **same_ip)
    assert_error(throttled, 429, code="throttled")
    assert "Retry-After" in throttled


@pytest.mark.parametrize(
    ("body", "attr"),
    [({}, "event_type"), ({"event_type": "Page View!"}, "event_type"),
     ({"event_type": "x", "event_data": {"blob": "x" * 5000}}, "event_data"),
     ({"event_type": "x", "page_path": "/" * 501}, "page_path")],
)  # fmt: skip
def test_bad_events_are_400(api_client, body, attr):
    assert_error(
        api_client.post("/api/v1/analytics/events", body, format="json"),
        400,
        kind="validation_error",
        attr=attr,
    )
    assert not AnalyticsEvent.objects.exists()


def _seed_yesterday():
    yesterday = timezone.now() - timedelta(days=1)
    for i, (country, source) in enumerate([("NG", "website"), ("NG", "partner"), ("US", "website")]):
        Inquiry.objects.create(full_name=f"P{i}", email=f"p{i}@example.com", country=country, source=source)
    Inquiry.objects.update(created_at=yesterday)
    Inquiry.objects.filter(full_name="P0").update(converted_at=yesterday)
    orders = [paid_order({f"AN{i}": 1}, email=f"a{i}@example.com") for i in range(3)]
    Order.objects.update(created_at=yesterday, paid_at=yesterday)
    Order.objects.filter(pk=orders[0].pk).update(currency="NGN")
    for session in ("s1", "s1", "s2"):
        AnalyticsEvent.objects.create(event_type="page_view", session_id=session)
    AnalyticsEvent.objects.create(event_type="click", session_id="s2")
    AnalyticsEvent.objects.update(created_at=yesterday)
    return yesterday.date(), orders


def test_snapshot_equals_the_raw_counts_and_is_idempotent():
    day, orders = _seed_yesterday()
    analytics.snapshot_day(day)
    first = set(DailyMetric.objects.values_list("date", "metric", "dimension", "value"))
    analytics.snapshot_day(day)
    assert set(DailyMetric.objects.values_list("date", "metric", "dimension", "value")) == first
    got = {(m, d): v for _, m, d, v in first}
    assert got[("inquiries", "")] == Inquiry.objects.count() == 3
    assert got[("inquiries.country", "NG")] == 2 and got[("inquiries.country", "US")] == 1
    assert got[("inquiries.source", "website")] == 2 and got[("inquiries.converted", "")] == 1
    assert got[("orders", "")] == 3 and got[("orders.paid", "")] == 3
    usd = sum(o.total for o in Order.objects.filter(currency="USD"))
    assert got[("revenue", "USD")] == usd and got[("revenue", "NGN")] == orders[0].total
    assert got[("events", "")] == 4 and got[("sessions", "")] == 2 and got[("page_views", "")] == 3
    assert got[("snapshot", "")] == 1


def test_overview_reads_the_snapshot_and_compares_with_the_previous_period(
    auth_client, django_assert_max_num_queries
):
    day, _ = _seed_yesterday()
    analytics.snapshot_missing()
    staff = auth_client("sales")
    with django_assert_max_num_queries(20):  # the snapshot in one query, today computed
        body = staff.get("/api/v1/analytics/overview?period=7d").json()
    assert body["current"]["inquiries"] == 3 and body["current"]["orders"] == 3
    assert body["current"]["revenue"]["NGN"] == f"{Order.objects.get(currency='NGN').total:.2f}"
    assert body["current"]["conversion"]["inquiry_to_customer"] == pytest.approx(33.3)
    assert body["previous"]["inquiries"] == 0 and body["change_percent"]["inquiries"] is None
    assert len(body["daily"]) == 7 and sum(d["inquiries"] for d in body["daily"]) == 3
    # The snapshot is what is read: a raw row changed after it does not show until re-snapshotted.
    Inquiry.objects.create(full_name="Late", email="late@example.com", country="GH")
    Inquiry.objects.filter(full_name="Late").update(created_at=timezone.now() - timedelta(days=1))
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 3
    analytics.snapshot_recent()
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 4


def test_inquiry_breakdown_funnel_and_export(auth_client):
    _seed_yesterday()
    staff = auth_client("support")
    breakdown = staff.get("/api/v1/analytics/inquiries?period=30d").json()
    assert breakdown["total"] == 3 and breakdown["by_country"] == {"NG": 2, "US": 1}
    assert breakdown["by_source"] == {"partner": 1, "website": 2} and len(breakdown["by_day"]) == 30
    for i, status in enumerate(["pending", "quoted", "won", "won", "lost", "cancelled"]):
        RFQ.objects.create(
            full_name=f"R{i}", email=f"r{i}@example.com", status=status, sequence=i + 1, number=f"R-{i}"
        )
    funnel = staff.get("/api/v1/analytics/rfq-funnel?period=7d").json()
    assert (funnel["received"], funnel["pending"], funnel["quoted"], funnel["won"], funnel["lost"]) == (
        6,
        1,
        1,
        2,
        1,
    )
    assert funnel["rates"]["quoted_of_received"] == pytest.approx(66.7)
    assert funnel["rates"]["won_of_decided"] == pytest.approx(66.7)
    export = staff.get("/api/v1/analytics/export?period=7d")
    text = b"".join(export.streaming_content).decode()
    assert text.startswith("date,metric,dimension,value\r\n") and ",inquiries.country,NG,2\r\n" in text


def test_roles_and_bad_period(api_client, auth_client):
    assert api_client.get("/api/v1/analytics/overview").status_code == 401
    assert_error(auth_client("customer").get("/api/v1/analytics/overview"), 403)
    assert_error(
        auth_client("finance").get("/api/v1/analytics/overview?period=1y"),
        400,
        kind="validation_error",
        attr="period",
    )


def test_prune_keeps_recent_events(settings):
    settings.ANALYTICS_EVENT_RETENTION_DAYS = 30
    AnalyticsEvent.objects.create(event_type="old")
    AnalyticsEvent.objects.create(event_type="new")
    AnalyticsEvent.objects.filter(event_type="old").update(created_at=timezone.now() - timedelta(days=31))
    assert analytics.prune_events() == 1
    assert list(AnalyticsEvent.objects.values_list("event_type", flat=True)) == ["new"]


def test_todays_figures_are_computed_once_per_period(auth_client, settings, django_assert_max_num_queries):
    """Past days come from the snapshot; today's live figures are shared for
    ANALYTICS_CACHE_SECONDS (0: computed on every request)."""
    analytics.snapshot_missing()
    staff = auth_client("sales")
    settings.ANALYTICS_CACHE_SECONDS = 60
    Inquiry.objects.create(full_name="Now", email="now@example.com", country="NG")
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 1
    Inquiry.objects.create(full_name="Later", email="later@example.com", country="NG")
    with django_assert_max_num_queries(3):  # the user, the snapshot: nothing computed
        assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 1
    settings.ANALYTICS_CACHE_SECONDS = 0
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 2


def test_the_dashboards_are_cached_until_a_new_snapshot(auth_client, settings, django_assert_max_num_queries):
    day, _ = _seed_yesterday()
    analytics.snapshot_missing()
    staff = auth_client("sales")
    first = staff.get("/api/v1/analytics/rfq-funnel?period=7d").json()
    with django_assert_max_num_queries(1):  # the user at most: the figures come from the cache
        assert staff.get("/api/v1/analytics/rfq-funnel?period=7d").json() == first
    Inquiry.objects.create(full_name="Late", email="late@example.com", country="GH")
    Inquiry.objects.filter(full_name="Late").update(created_at=timezone.now() - timedelta(days=1))
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 3
    analytics.snapshot_recent()  # a new snapshot: shown at once
    assert staff.get("/api/v1/analytics/overview?period=7d").json()["current"]["inquiries"] == 4
