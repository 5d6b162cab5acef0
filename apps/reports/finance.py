"""Finance figures over a date range: daily revenue per currency (orders paid), payments by
provider and status, refunds, and the orders still waiting for payment. Each is one grouped
query (the outstanding list two), whatever the number of rows behind it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.orders.api import Order, Payment, Refund

MAX_DAYS = 366
# The dates a range may name: a day after the last one must exist too (the range's upper bound
# is the midnight after date_to), and so must the default start, 30 days before date_to.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date.max - timedelta(days=1)


def money(value) -> str:
    """Money as the API writes it everywhere: a plain decimal string with two places."""
    return f"{(value or 0):.2f}"


DEFAULT_DAYS = 30


def date_range(params) -> tuple[date, date]:
    """``date_from``/``date_to`` (ISO dates, inclusive); default the last 30 days; at most a
    year. A bad value is a 400 naming the parameter."""
    today = timezone.localdate()

    def parse(name, default):
        raw = params.get(name)
        if raw is None:
            return default
        try:
            value = date.fromisoformat(raw)
        except ValueError as exc:
            raise ApplicationError(f"{name} must be a date, YYYY-MM-DD.", attr=name) from exc
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ApplicationError(
                f"{name} must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}.", attr=name
            )
        return value

    end = parse("date_to", today)
    start = parse("date_from", max(FIRST_DATE, end - timedelta(days=DEFAULT_DAYS - 1)))
    if start > end:
        raise ApplicationError("date_from is after date_to.", attr="date_from")
    if (end - start).days >= MAX_DAYS:
        raise ApplicationError(f"The range is limited to {MAX_DAYS} days.", attr="date_from")
    return start, end


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def revenue_daily(start: date, end: date) -> list[dict]:
    """Orders paid per day and currency, with their totals (every day of the range listed,
    zero included, per currency seen in the range)."""
    lo, hi = _bounds(start, end)
    rows = (
        Order.objects.filter(paid_at__gte=lo, paid_at__lt=hi)
        .annotate(day=TruncDate("paid_at"))
        .order_by()
        .values("day", "currency")
        .annotate(orders=Count("pk"), revenue=Sum("total"))
    )
    found = {(r["day"], r["currency"]): r for r in rows}
    currencies = sorted({currency for _, currency in found})
    result = []
    day = start
    while day <= end:
        for currency in currencies:
            row = found.get((day, currency))
            result.append(
                {
                    "date": day,
                    "currency": currency,
                    "orders": row["orders"] if row else 0,
                    "revenue": money(row["revenue"] if row else 0),
                }
            )
        day += timedelta(days=1)
    return result


def payments_breakdown(start: date, end: date) -> list[dict]:
    lo, hi = _bounds(start, end)
    rows = (
        Payment.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by("provider", "status", "currency")
        .values("provider", "status", "currency")
        .annotate(count=Count("pk"), amount=Sum("amount"), captured=Sum("amount_captured"))
    )
    return [{**row, "amount": money(row["amount"]), "captured": money(row["captured"])} for row in rows]


def refunds_breakdown(start: date, end: date) -> list[dict]:
    lo, hi = _bounds(start, end)
    rows = (
        Refund.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by()
        .values("payment__currency", "status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("payment__currency", "status")
    )
    return [
        {
            "currency": r["payment__currency"],
            "status": r["status"],
            "count": r["count"],
            "amount": money(r["amount"]),
        }
        for r in rows
    ]


def outstanding(limit: int = 20) -> dict:
    """Orders waiting for payment now: totals per currency and the oldest ``limit``."""
    waiting = Order.objects.filter(status=Order.Status.PENDING_PAYMENT)
    per_currency = (
        waiting.order_by("currency").values("currency").annotate(count=Count("pk"), amount=Sum("total"))
    )
    totals = [{**row, "amount": money(row["amount"])} for row in per_currency]
    fields = ("number", "email", "currency", "total", "created_at", "reserved_until")
    oldest = [
        {**row, "total": money(row["total"])}
        for row in waiting.order_by("created_at").values(*fields)[:limit]
    ]
    return {"totals": totals, "oldest": oldest}


def summary(start: date, end: date) -> dict:
    return {
        "date_from": start,
        "date_to": end,
        "revenue_daily": revenue_daily(start, end),
        "payments": payments_breakdown(start, end),
        "refunds": refunds_breakdown(start, end),
        "outstanding": outstanding(),
    }
