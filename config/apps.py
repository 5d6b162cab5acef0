from django.contrib.admin.apps import AdminConfig


class FoundryAdminConfig(AdminConfig):
    """The Django admin, with Foundry's branded site (header and title from site settings)."""

    default_site = "apps.core.admin_site.FoundryAdminSite"
