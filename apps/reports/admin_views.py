"""The admin's dashboard (on the index page) and its finance page (Reports → Finance), with a
date-range filter and server-rendered charts."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from apps.core.errors import ApplicationError
from apps.core.roles import ADMIN, FINANCE, STAFF_ROLES, has_role

from . import analytics, finance
from .charts import bar_chart

logger = logging.getLogger(__name__)

# The dashboard's revenue and payment figures: for the finance and admin roles only.
MONEY_FIGURES = ("revenue", "orders_paid")


def without_money(figures: dict) -> dict:
    """The dashboard's figures (analytics.overview) less revenue and payments, for the staff
    roles that must not see them (removed from the data, not only from the page)."""

    def strip(part: dict) -> dict:
        return {key: value for key, value in part.items() if key not in MONEY_FIGURES}

    return {
        **figures,
        "current": strip(figures["current"]),
        "previous": strip(figures["previous"]),
        "change_percent": strip(figures["change_percent"]),
        "daily": [strip(day) for day in figures["daily"]],
    }


def admin_urls(admin_site) -> list:
    """The finance page and the CSV exports, under /admin/ (names ``admin:finance``, ``admin:export``)."""
    from django.urls import path

    finance_page = admin_site.admin_view(lambda request: finance_view(request, admin_site))
    return [
        path("finance/", finance_page, name="finance"),
        path("export/<str:dataset>/", admin_site.admin_view(export_view), name="export"),
    ]


def dashboard_panel(request) -> dict:
    """The index page's dashboard, without the money figures for roles that may not see them."""
    context = dashboard_context(request)
    if "dashboard" in context and not context["can_see_finance"]:
        context["dashboard"] = without_money(context["dashboard"])
    return context


def dashboard_context(request) -> dict:
    """The last 30 days for the index page (staff only; a failure never breaks the index)."""
    if not has_role(request.user, *STAFF_ROLES):
        return {}
    try:
        figures = analytics.overview("30d")
        funnel = analytics.rfq_funnel("30d")
    except Exception:  # noqa: BLE001 - the admin index must render whatever happens here
        logger.exception("admin dashboard figures failed")
        return {"dashboard_error": True}
    daily = figures["daily"]
    charts = [
        bar_chart([(d["date"].isoformat(), d["orders"]) for d in daily], title="Orders per day"),
        bar_chart([(d["date"].isoformat(), d["inquiries"]) for d in daily], title="Inquiries per day",
                  color="#16a34a"),
    ]  # fmt: skip
    return {
        "dashboard": figures,
        "funnel": funnel,
        "dashboard_charts": charts,
        "can_see_finance": has_role(request.user, FINANCE, ADMIN),
    }


def finance_view(request, admin_site):
    if not has_role(request.user, FINANCE, ADMIN):
        raise PermissionDenied
    error = None
    try:
        start, end = finance.date_range(request.GET)
    except ApplicationError as exc:
        error = str(exc.detail)
        start, end = finance.date_range({})
    data = finance.summary(start, end)
    by_currency = defaultdict(list)
    for row in data["revenue_daily"]:
        by_currency[row["currency"]].append((row["date"].isoformat(), row["revenue"]))
    charts = [
        bar_chart(points, title=f"Revenue per day, {currency}")
        for currency, points in sorted(by_currency.items())
    ]
    totals = defaultdict(lambda: {"orders": 0, "revenue": Decimal("0")})
    for row in data["revenue_daily"]:
        totals[row["currency"]]["orders"] += row["orders"]
        totals[row["currency"]]["revenue"] += Decimal(row["revenue"])
    return TemplateResponse(
        request,
        "admin/reports/finance.html",
        {
            **admin_site.each_context(request),
            "title": "Finance",
            "data": data,
            "charts": charts,
            "revenue_totals": dict(sorted(totals.items())),
            "error": error,
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
            "date_to_next": (end + timedelta(days=1)).isoformat(),
        },
    )


def export_view(request, dataset: str):
    """``/admin/export/<dataset>/?<filters>``: the API's streamed CSV export for a staff
    session (same datasets, roles, filters, activity-log entry)."""
    from types import SimpleNamespace

    from django.http import HttpResponseBadRequest
    from rest_framework.exceptions import ValidationError

    from apps.core.errors import NotFound as ApiNotFound
    from apps.core.errors import PermissionDenied as ApiPermissionDenied

    from . import exports

    try:
        chosen = exports.dataset_for(user=request.user, name=dataset)
    except ApiNotFound as exc:
        from django.http import Http404

        raise Http404(str(exc.detail)) from exc
    except ApiPermissionDenied as exc:
        raise PermissionDenied(str(exc.detail)) from exc
    shim = SimpleNamespace(user=request.user, query_params=request.GET, GET=request.GET, META=request.META)
    try:
        queryset = exports.filtered_queryset(chosen, shim)
    except ValidationError as exc:
        return HttpResponseBadRequest(f"Bad filter: {exc.detail}", content_type="text/plain; charset=utf-8")
    return exports.export_response(dataset=chosen, queryset=queryset, user=request.user, params=request.GET)
