from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = "Reports and exports"

    def ready(self):
        from apps.core.admin_site import admin_urls_register, dashboard_panel_register

        from .admin_views import admin_urls, dashboard_panel

        admin_urls_register(admin_urls)
        dashboard_panel_register(dashboard_panel)
