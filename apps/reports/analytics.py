"""Analytics: frontend events (stored with a coarse device and browser and a truncated IP), a
nightly snapshot of each day's figures into ``DailyMetric``, and the dashboard figures read
from it.

The figures of a day come from the snapshot once the day has one (its "snapshot" row); a day
without one (today, or a day the beat missed) is computed from the source tables, so figures
are always complete and the snapshot only makes them cheap. Snapshotting a day again replaces
its rows in one transaction: the job is idempotent and late data is picked up by re-running it.

Metrics per day (``metric`` / ``dimension``):
    inquiries / "" , inquiries.country / CC, inquiries.type / t, inquiries.source / s,
    inquiries.converted / ""   (converted into a customer that day)
    rfqs / "", rfqs.quoted / "" (a quote sent that day), rfqs.won / "", rfqs.lost / ""
    orders / "" (placed), orders.paid / "", revenue / CUR (totals of orders paid that day)
    events / "", sessions / "" (distinct session ids), page_views / ""
"""

from __future__ import annotations

import functools
import ipaddress
import re
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.leads.api import Inquiry
from apps.orders.api import Order
from apps.rfq.api import RFQ

from .models import AnalyticsEvent, DailyMetric

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
SNAPSHOT = "snapshot"

# --- Events -----------------------------------------------------------------------------------

BOTS = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpx|headless", re.I)
TABLETS = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.I)
MOBILES = re.compile(r"mobi|iphone|ipod|android.*mobile|windows phone|opera mini", re.I)
BROWSERS = (  # order matters: Edge and Opera also say Chrome; Chrome also says Safari
    ("edge", re.compile(r"edg(e|a|ios)?/", re.I)),
    ("opera", re.compile(r"opr/|opera", re.I)),
    ("samsung", re.compile(r"samsungbrowser", re.I)),
    ("firefox", re.compile(r"firefox|fxios", re.I)),
    ("chrome", re.compile(r"chrome|crios|chromium", re.I)),
    ("safari", re.compile(r"safari", re.I)),
)


def parse_user_agent(ua: str) -> tuple[str, str]:
    """(device_type, browser) from a User-Agent, coarse on purpose: desktop | mobile | tablet |
    bot | other, and the browser family (chrome, safari, firefox, edge, opera, samsung, other)."""
    ua = ua or ""
    if not ua:
        return "other", "other"
    if BOTS.search(ua):
        device = "bot"
    elif TABLETS.search(ua):
        device = "tablet"
    elif MOBILES.search(ua):
        device = "mobile"
    else:
        device = "desktop"
    browser = next((name for name, pattern in BROWSERS if pattern.search(ua)), "other")
    return device, browser


def truncate_ip(raw: str | None) -> str | None:
    """203.0.113.57 → 203.0.113.0; 2001:db8:1:2:3:4:5:6 → 2001:db8:1:: (a /48): enough for
    coarse geography, not enough to single out a visitor."""
    if not raw:
        return None
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def event_record(*, data: dict, user_agent: str, ip: str | None, user=None) -> AnalyticsEvent:
    device, browser = parse_user_agent(user_agent)
    return AnalyticsEvent.objects.create(
        event_type=data["event_type"],
        page_path=data.get("page_path", ""),
        event_data=data.get("event_data") or {},
        session_id=data.get("session_id", ""),
        referrer=data.get("referrer", ""),
        device_type=device,
        browser=browser,
        ip_truncated=truncate_ip(ip),
        user=user if getattr(user, "is_authenticated", False) else None,
    )


# --- The figures of a day ---------------------------------------------------------------------


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def compute_day(day: date) -> dict[tuple[str, str], Decimal]:
    """The day's figures from the source tables (about a dozen grouped queries)."""
    start, end = _bounds(day)
    figures: dict[tuple[str, str], Decimal] = defaultdict(Decimal)

    inquiries = Inquiry.objects.filter(created_at__gte=start, created_at__lt=end)
    for field, metric in (("country", "inquiries.country"), ("inquiry_type", "inquiries.type"),
                          ("source", "inquiries.source")):  # fmt: skip
        for value, n in inquiries.order_by().values_list(field).annotate(n=Count("pk")):
            figures[(metric, value or "")] += n
            if metric == "inquiries.type":
                figures[("inquiries", "")] += n
    converted = Inquiry.objects.filter(converted_at__gte=start, converted_at__lt=end).count()
    figures[("inquiries.converted", "")] += converted

    figures[("rfqs", "")] += RFQ.objects.filter(created_at__gte=start, created_at__lt=end).count()
    figures[("rfqs.quoted", "")] += RFQ.objects.filter(
        quote_sent_at__gte=start, quote_sent_at__lt=end
    ).count()
    decided = (
        RFQ.objects.filter(
            decision_date__gte=start, decision_date__lt=end, status__in=(RFQ.Status.WON, RFQ.Status.LOST)
        )
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status, n in decided:
        figures[(f"rfqs.{status}", "")] += n

    figures[("orders", "")] += Order.objects.filter(created_at__gte=start, created_at__lt=end).count()
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
    for currency, n, total in (
        paid.order_by().values_list("currency").annotate(n=Count("pk"), total=Sum("total"))
    ):
        figures[("orders.paid", "")] += n
        figures[("revenue", currency)] += total or Decimal("0")

    events = AnalyticsEvent.objects.filter(created_at__gte=start, created_at__lt=end)
    totals = events.aggregate(
        events=Count("pk"),
        sessions=Count("session_id", distinct=True),
        page_views=Count("pk", filter=Q(event_type="page_view")),
    )
    for metric, n in totals.items():
        figures[(metric, "")] += n or 0
    return {key: Decimal(value) for key, value in figures.items() if value}


VERSION_KEY = "analytics:version"


def _version() -> str:
    """The snapshot's version in the cache keys of the dashboards: a new snapshot changes it."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or "none"
    return version


def _snapshot_changed() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def dashboard_cached(compute):
    """``compute(period)`` at most once per ANALYTICS_CACHE_SECONDS for the day and the
    snapshot's version (a new snapshot shows at once)."""

    @functools.wraps(compute)
    def cached(period: str):
        seconds = settings.ANALYTICS_CACHE_SECONDS
        if not seconds:
            return compute(period)
        key = f"analytics:{compute.__name__}:{period}:{timezone.localdate().isoformat()}:{_version()}"
        return cache.get_or_set(key, lambda: compute(period), seconds)

    return cached


@transaction.atomic
def snapshot_day(day: date) -> int:
    """Replace the day's snapshot rows with its figures now (idempotent). The dashboards'
    cached figures are dropped now and again on commit (a dashboard read in between would
    otherwise keep the old snapshot's figures under the new version)."""
    _snapshot_changed()
    transaction.on_commit(_snapshot_changed)
    figures = compute_day(day)
    DailyMetric.objects.filter(date=day).delete()
    rows = [DailyMetric(date=day, metric=m, dimension=d, value=v) for (m, d), v in figures.items()]
    rows.append(DailyMetric(date=day, metric=SNAPSHOT, dimension="", value=Decimal("1")))
    DailyMetric.objects.bulk_create(rows)
    return len(rows)


def snapshot_recent(days: int = 2) -> list[str]:
    """The nightly job: the last ``days`` complete days (yesterday and the day before, so late
    changes to yesterday's rows are caught the next night)."""
    today = timezone.localdate()
    done = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        snapshot_day(day)
        done.append(day.isoformat())
    return done


def snapshot_missing(days_back: int = 2 * max(PERIODS.values())) -> int:
    """Snapshot every past day of the last ``days_back`` that has none (the first run after a
    deploy, a night the beat missed): dashboards then read only snapshots."""
    today = timezone.localdate()
    first = today - timedelta(days=days_back)
    have = set(DailyMetric.objects.filter(metric=SNAPSHOT, date__gte=first).values_list("date", flat=True))
    missing = [first + timedelta(days=i) for i in range(days_back) if first + timedelta(days=i) not in have]
    for day in missing:
        snapshot_day(day)
    return len(missing)


def prune_events() -> int:
    """Raw events older than ANALYTICS_EVENT_RETENTION_DAYS (their days are in the snapshot)."""
    cutoff = timezone.now() - timedelta(days=settings.ANALYTICS_EVENT_RETENTION_DAYS)
    deleted, _ = AnalyticsEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def figures_for(start: date, end: date) -> dict[date, dict[tuple[str, str], Decimal]]:
    """Each day's figures from ``start`` to ``end`` inclusive: the snapshot where a day has one;
    a past day without one is snapshotted now (so the next read is one query); today is
    computed from the source tables."""
    by_day: dict[date, dict] = defaultdict(dict)
    for row in DailyMetric.objects.filter(date__gte=start, date__lte=end).values_list(
        "date", "metric", "dimension", "value"
    ):
        by_day[row[0]][(row[1], row[2])] = row[3]
    result = {}
    today = timezone.localdate()
    day = start
    while day <= end:
        snap = by_day.get(day)
        if snap and (SNAPSHOT, "") in snap:
            result[day] = snap
        elif day < today:  # a past day the nightly job never saw: snapshot it now, once
            snapshot_day(day)
            result[day] = _stored(day)
        else:
            result[day] = _live(day)
        result[day].pop((SNAPSHOT, ""), None)
        day += timedelta(days=1)
    return result


def _live(day: date) -> dict[tuple[str, str], Decimal]:
    """Today's figures from the source tables, shared by every dashboard for
    ANALYTICS_CACHE_SECONDS (a dozen grouped queries over the day's rows)."""
    seconds = settings.ANALYTICS_CACHE_SECONDS
    if not seconds:
        return compute_day(day)
    return dict(cache.get_or_set(f"analytics:live:{day.isoformat()}", lambda: compute_day(day), seconds))


def _stored(day: date) -> dict[tuple[str, str], Decimal]:
    return {
        (m, d): v
        for m, d, v in DailyMetric.objects.filter(date=day).values_list("metric", "dimension", "value")
    }


# --- Dashboard figures ------------------------------------------------------------------------


def period_days(period: str) -> int:
    return PERIODS[period]


def _sum(days: dict, metric: str) -> Decimal:
    return sum((fig.get((metric, ""), Decimal("0")) for fig in days.values()), Decimal("0"))


def _per_dimension(days: dict, metric: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for fig in days.values():
        for (m, d), v in fig.items():
            if m == metric:
                totals[d] += v
    return dict(sorted(totals.items()))


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator) * 100).quantize(Decimal("0.1"))


def _summary(days: dict) -> dict:
    inquiries, converted = _sum(days, "inquiries"), _sum(days, "inquiries.converted")
    rfqs, won, lost = _sum(days, "rfqs"), _sum(days, "rfqs.won"), _sum(days, "rfqs.lost")
    orders, paid, sessions = _sum(days, "orders"), _sum(days, "orders.paid"), _sum(days, "sessions")
    return {
        "inquiries": int(inquiries),
        "rfqs": int(rfqs),
        "orders": int(orders),
        "orders_paid": int(paid),
        "revenue": {cur: f"{v:.2f}" for cur, v in _per_dimension(days, "revenue").items()},
        "sessions": int(sessions),
        "page_views": int(_sum(days, "page_views")),
        "conversion": {
            "inquiry_to_customer": _rate(converted, inquiries),
            "rfq_win_rate": _rate(won, won + lost),
            "order_payment_rate": _rate(paid, orders),
            "session_to_order": _rate(orders, sessions),
        },
    }


def _change(now, before):
    if isinstance(now, dict):
        return {k: _change(now.get(k), before.get(k) if before else None) for k in now}
    if now is None or before is None:
        return None
    now, before = Decimal(str(now)), Decimal(str(before))
    if not before:
        return None
    return ((now - before) / before * 100).quantize(Decimal("0.1"))


@dashboard_cached
def overview(period: str) -> dict:
    """The period (ending today) against the previous period of the same length."""
    n = period_days(period)
    today = timezone.localdate()
    start, previous_start = today - timedelta(days=n - 1), today - timedelta(days=2 * n - 1)
    days = figures_for(previous_start, today)
    current = {d: f for d, f in days.items() if d >= start}
    previous = {d: f for d, f in days.items() if d < start}
    now, before = _summary(current), _summary(previous)
    revenue_change = {cur: _change(v, before["revenue"].get(cur)) for cur, v in now["revenue"].items()}
    counts = ("inquiries", "rfqs", "orders", "orders_paid", "sessions", "page_views")
    return {
        "period": period,
        "start": start,
        "end": today,
        "previous_start": previous_start,
        "current": now,
        "previous": before,
        "change_percent": {**{k: _change(now[k], before[k]) for k in counts}, "revenue": revenue_change},
        "daily": [
            {
                "date": d,
                "inquiries": int(f.get(("inquiries", ""), 0)),
                "rfqs": int(f.get(("rfqs", ""), 0)),
                "orders": int(f.get(("orders", ""), 0)),
                "revenue": {m[1]: f"{v:.2f}" for m, v in sorted(f.items()) if m[0] == "revenue"},
            }
            for d, f in sorted(current.items())
        ],
    }


@dashboard_cached
def inquiries_breakdown(period: str) -> dict:
    n = period_days(period)
    today = timezone.localdate()
    start = today - timedelta(days=n - 1)
    days = figures_for(start, today)
    as_int = lambda d: {k: int(v) for k, v in d.items()}  # noqa: E731
    return {
        "period": period,
        "start": start,
        "end": today,
        "total": int(_sum(days, "inquiries")),
        "by_day": [{"date": d, "count": int(f.get(("inquiries", ""), 0))} for d, f in sorted(days.items())],
        "by_country": as_int(_per_dimension(days, "inquiries.country")),
        "by_type": as_int(_per_dimension(days, "inquiries.type")),
        "by_source": as_int(_per_dimension(days, "inquiries.source")),
    }


@dashboard_cached
def rfq_funnel(period: str) -> dict:
    """RFQs received in the period by where they are now: pending → quoted → won / lost
    (cancelled apart), with the conversion rates between the steps. One grouped query."""
    n = period_days(period)
    today = timezone.localdate()
    start = today - timedelta(days=n - 1)
    counts = dict(
        RFQ.objects.filter(created_at__gte=_bounds(start)[0])
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    S = RFQ.Status
    pending, quoted, won, lost, cancelled = (
        counts.get(s, 0) for s in (S.PENDING, S.QUOTED, S.WON, S.LOST, S.CANCELLED)
    )
    received = pending + quoted + won + lost + cancelled
    reached_quote = quoted + won + lost
    return {
        "period": period,
        "start": start,
        "end": today,
        "received": received,
        "pending": pending,
        "quoted": quoted,
        "won": won,
        "lost": lost,
        "cancelled": cancelled,
        "rates": {
            "quoted_of_received": _rate(reached_quote, received),
            "won_of_quoted": _rate(won, reached_quote),
            "won_of_decided": _rate(won, won + lost),
            "won_of_received": _rate(won, received),
        },
    }


def metric_rows(period: str):
    """Every (date, metric, dimension, value) of the period, for the CSV export."""
    n = period_days(period)
    today = timezone.localdate()
    days = figures_for(today - timedelta(days=n - 1), today)
    for d, figures in sorted(days.items()):
        for (metric, dimension), value in sorted(figures.items()):
            yield (d, metric, dimension, f"{value:.2f}" if metric == "revenue" else int(value))
