from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Service jobs"

    def ready(self):
        from . import (
            hooks,  # noqa: F401  (the workflow's side effects register themselves)
            receivers,
            signals,
        )

        receivers.connect()  # orders' payment events for service jobs
        signals.connect()  # a job with payments is never deleted
