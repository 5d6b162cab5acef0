from django.contrib import admin


class FoundryAdminSite(admin.AdminSite):
    """The admin, branded with the company name from site settings."""

    index_title = "Back office"

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
