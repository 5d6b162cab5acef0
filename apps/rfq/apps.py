from django.apps import AppConfig


class RfqConfig(AppConfig):
    name = "apps.rfq"
    label = "rfq"
    verbose_name = "RFQ"

    def ready(self):
        from apps.accounts.api import register_personal_data

        from .services.personal_data import rfq_personal_data_erase, rfq_personal_data_export

        # GDPR: a person's RFQs (by account or email) are exported, and anonymised on erasure.
        register_personal_data(name="rfqs", export=rfq_personal_data_export, erase=rfq_personal_data_erase)
