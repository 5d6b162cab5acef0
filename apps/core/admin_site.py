from django.contrib import admin


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

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

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
