from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from apps.accounts.api import register_personal_data

        from . import personal_data, receivers  # noqa: F401  (signal receivers)

        register_personal_data(name="notifications", export=personal_data.export, erase=personal_data.erase)
