from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "apps.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self):
        from apps.accounts.api import register_personal_data

        from . import signals  # noqa: F401
        from .selectors import personal_data_export
        from .services.inquiries import personal_data_erase

        register_personal_data(name="inquiries", export=personal_data_export, erase=personal_data_erase)
