import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .idempotency import purge_expired_keys

logger = logging.getLogger(__name__)

TRANSIENT_EMAIL_ERRORS = (ConnectionError, TimeoutError, OSError)


@shared_task(
    name="core.send_email",
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_email(*, to: list[str], subject: str, text: str, html: str | None = None,
               from_email: str | None = None) -> str:
    """Send one email through the configured provider (console, SMTP or an anymail ESP)."""
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=from_email or settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    message_id = getattr(message, "anymail_status", None)
    logger.info("email sent to %s: %s", to, subject)
    return str(getattr(message_id, "message_id", "") or "")


@shared_task(name="core.purge_expired_idempotency_keys")
def purge_expired_idempotency_keys() -> int:
    return purge_expired_keys()
