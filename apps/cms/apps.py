from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "apps.cms"
    label = "cms"
    verbose_name = "Content"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
