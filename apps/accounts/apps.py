from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import openapi, signals  # noqa: F401  (schema extension; cache invalidation)
        from .roles import sync_role_permissions

        # After every migrate: give each role the permissions of the table in roles.py
        # (models of apps added later are picked up as they appear).
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
