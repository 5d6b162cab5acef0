"""Cache invalidation only: any catalog row written outside the services (admin inlines,
shell) still drops the cached catalog responses."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core.models import SiteSettings

from .cache import catalog_changed
from .models import Category, Document, Price, Product, ProductImage, Variant

MODELS = (Category, Product, ProductImage, Variant, Price, Document)


@receiver(post_save)
@receiver(post_delete)
def catalog_row_changed(sender, **kwargs):
    if sender in MODELS:
        catalog_changed()
    elif sender is SiteSettings and not kwargs.get("created"):
        catalog_changed()  # the default currency shapes anonymous responses (first creation: no change)
