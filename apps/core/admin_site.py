from django.contrib import admin

# The dashboard's revenue and payment figures: for the finance and admin roles only.
MONEY_FIGURES = ("revenue", "orders_paid")


def without_money(figures: dict) -> dict:
    """The dashboard's figures (reports.analytics.overview) less revenue and payments, for the
    staff roles that must not see them (removed from the data, not only from the page)."""

    def strip(part: dict) -> dict:
        return {key: value for key, value in part.items() if key not in MONEY_FIGURES}

    return {
        **figures,
        "current": strip(figures["current"]),
        "previous": strip(figures["previous"]),
        "change_percent": strip(figures["change_percent"]),
        "daily": [strip(day) for day in figures["daily"]],
    }


class FoundryAdminSite(admin.AdminSite):
    """The admin, branded with the company name from site settings, with a dashboard on the
    index page (the last 30 days, from the analytics snapshot) and a finance page."""

    index_title = "Back office"
    index_template = "admin/foundry_index.html"

    def get_urls(self):
        from django.urls import path

        from apps.reports.admin_views import export_view, finance_view

        finance = self.admin_view(lambda request: finance_view(request, self))
        return [
            path("finance/", finance, name="finance"),
            path("export/<str:dataset>/", self.admin_view(export_view), name="export"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        from apps.reports.admin_views import dashboard_context

        context = dashboard_context(request)
        if "dashboard" in context and not context["can_see_finance"]:
            context["dashboard"] = without_money(context["dashboard"])
        return super().index(request, {**context, **(extra_context or {})})

    def each_context(self, request):
        from .selectors import site_settings_get

        context = super().each_context(request)
        try:
            name = site_settings_get().company_name
        except Exception:  # noqa: BLE001 - the admin still renders before the first migrate
            name = "Foundry"
        context["site_header"] = f"{name} admin"
        context["site_title"] = f"{name} admin"
        return context
