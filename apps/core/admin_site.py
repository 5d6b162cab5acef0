from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest

# What other apps add to the admin, registered from their AppConfig.ready() so that core
# imports no domain app: pages (URL patterns under /admin/) and the index page's dashboard
# panels (a function of the request returning template context; `reports` adds its figures).
AdminUrls = Callable[[admin.AdminSite], list]
DashboardPanel = Callable[[HttpRequest], dict]
_admin_urls: list[AdminUrls] = []
_dashboard_panels: list[DashboardPanel] = []


def admin_urls_register(urls: AdminUrls) -> None:
    """Add the URL patterns ``urls(site)`` returns to the admin, ahead of the model admins'."""
    if urls not in _admin_urls:
        _admin_urls.append(urls)


def dashboard_panel_register(panel: DashboardPanel) -> None:
    """Add ``panel(request)``'s context to the admin index page (it must never raise)."""
    if panel not in _dashboard_panels:
        _dashboard_panels.append(panel)


class FoundryAdminSite(admin.AdminSite):
    """The admin, branded with the company name from site settings, with the pages and
    dashboard panels other apps register (``admin_urls_register``, ``dashboard_panel_register``)."""

    index_title = "Back office"
    index_template = "admin/foundry_index.html"

    def get_urls(self):
        extra = [pattern for urls in _admin_urls for pattern in urls(self)]
        return [*extra, *super().get_urls()]

    def index(self, request, extra_context=None):
        context = {}
        for panel in _dashboard_panels:
            context.update(panel(request))
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
