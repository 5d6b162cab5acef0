"""Load the demo data of every app (idempotent: run it twice, nothing is duplicated).

Each app that has demo data provides ``apps/<app>/demo.py`` with ``seed(stdout=...)``,
reading its records from ``fixtures/``; apps are seeded in INSTALLED_APPS order.

With DEBUG off the command refuses (the demo's passwords and webhook secrets are public in
the README) unless told ``--allow-production``; then every demo secret is random and the
admin's password is printed once.
"""

from contextlib import nullcontext
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.demo_mode import production_mode


class Command(BaseCommand):
    help = "Load the demo data of every app (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo data with DJANGO_DEBUG off: demo passwords and webhook secrets are "
            "then random (the admin's is printed once).",
        )

    def handle(self, *args, allow_production=False, **options):
        production = not settings.DEBUG
        if production and not allow_production:
            raise CommandError(
                "seed_demo loads demo accounts whose password is published in the README, and "
                "demo webhook secrets; DJANGO_DEBUG is off, so this looks like a deployment. Run "
                "it with --allow-production to load the demo data with random passwords and "
                "secrets instead (the admin's password is printed once)."
            )
        with production_mode() if production else nullcontext():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if not config.name.startswith("apps.") or find_spec(module_name) is None:
                    continue
                with transaction.atomic():
                    import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
