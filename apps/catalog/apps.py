from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from apps.cms import api as cms_api

        from . import selectors, signals  # noqa: F401  (signals: response cache invalidation)

        # A document that is not public keeps its file private (the media library asks us).
        cms_api.media_restriction_register(restricted_by=selectors.documents_keeping_private)
