from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver

from .memo import forget_scoped
from .models import SiteSettings
from .selectors import SITE_SETTINGS_CACHE_KEY


@receiver(post_save, sender=SiteSettings)
def site_settings_changed(sender, **kwargs):
    cache.delete(SITE_SETTINGS_CACHE_KEY)
    forget_scoped(SITE_SETTINGS_CACHE_KEY)
