from celery import shared_task
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Delete expired refresh tokens (and their blacklist rows): they can no longer be used."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task(name="accounts.password_reset_deliver")
def password_reset_deliver(email: str) -> None:
    """The reset link for ``email`` if an active account has it (queued for every request)."""
    from .services import password_reset_deliver as deliver

    deliver(email=email)
