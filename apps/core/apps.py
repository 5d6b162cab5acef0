from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self):
        from . import json_types, signals  # noqa: F401  (signals: cache invalidation of site settings)

        json_types.install()
