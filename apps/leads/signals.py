"""Cache invalidation only (no business logic here): the active scoring rules each process
keeps (``services.rules.ACTIVE_RULES``), for writes from anywhere (services, admin)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import LeadScoringRule
from .services.rules import ACTIVE_RULES


@receiver(post_save, sender=LeadScoringRule)
@receiver(post_delete, sender=LeadScoringRule)
def scoring_rule_changed(sender, **kwargs):
    ACTIVE_RULES.invalidate()
