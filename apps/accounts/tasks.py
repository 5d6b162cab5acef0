from celery import shared_task
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Delete expired refresh tokens (and their blacklist rows): they can no longer be used."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
