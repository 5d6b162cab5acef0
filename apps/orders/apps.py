from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = "Orders and payments"

    def ready(self):
        from apps.core.health import report_register

        from . import checks  # noqa: F401 (registers the payment configuration checks)
        from .payments import payment_availability

        report_register("payments", payment_availability)
