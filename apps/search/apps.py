from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Unified search: asks each app that owns searchable data (through its api module) and
    groups the answers by type. Owns no data."""

    name = "apps.search"
    label = "search"
    verbose_name = "Search"
