from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from .memo import scoped
from .models import ActivityLog, SiteSettings

SITE_SETTINGS_CACHE_KEY = "core:site-settings:v1"


def site_settings_get() -> SiteSettings:
    """The site settings row (created with defaults on first use), cached until changed; read
    once per request (an inquiry's two emails and its reply-to ask three times)."""
    return scoped(SITE_SETTINGS_CACHE_KEY, _site_settings_read)


def _site_settings_read() -> SiteSettings:
    cached = cache.get(SITE_SETTINGS_CACHE_KEY)
    if cached is not None:
        return cached
    obj, _ = SiteSettings.objects.get_or_create(
        singleton=1, defaults={"default_currency": settings.DEFAULT_CURRENCY}
    )
    cache.set(SITE_SETTINGS_CACHE_KEY, obj, timeout=300)
    return obj


def activity_log_list() -> QuerySet[ActivityLog]:
    return ActivityLog.objects.select_related("actor").order_by("-created_at")
