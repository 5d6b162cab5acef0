from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    label = "tracking"
    verbose_name = "Tracking"

    def ready(self):
        from . import hooks  # noqa: F401  (the workflow's side effects register themselves)
