"""System checks of the media library's settings."""

from django.conf import settings
from django.core.checks import Error, register

from .uploads import PASSIVE_TYPES


@register()
def media_allowed_types_are_passive(app_configs=None, **kwargs):
    """MEDIA_ALLOWED_TYPES may only narrow the passive types: HTML, SVG, XML, scripts and the
    like would run in a browser and are never accepted (uploads.allowed_types ignores them)."""
    active = sorted(set(settings.MEDIA_ALLOWED_TYPES) - PASSIVE_TYPES.keys())
    if not active:
        return []
    return [
        Error(
            f"MEDIA_ALLOWED_TYPES lists types the media library never accepts: {', '.join(active)}.",
            hint=f"Allowed types are a subset of: {', '.join(PASSIVE_TYPES)} (docs/media.md).",
            id="cms.E001",
        )
    ]
