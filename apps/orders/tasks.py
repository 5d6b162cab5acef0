import logging

from celery import shared_task
from django.db import OperationalError

from .services import status, webhooks

logger = logging.getLogger(__name__)


@shared_task(
    name="orders.process_webhook_event",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def process_webhook_event(event_pk: str) -> str:
    """Apply one stored provider event, once (services.webhooks.webhook_process). Failures are
    recorded on the event and retried with backoff; the admin can reprocess it later."""
    return webhooks.webhook_process(event_pk=event_pk)


@shared_task(
    name="orders.expire_unpaid_orders",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def expire_unpaid_orders() -> int:
    """Every minute (beat): cancel unpaid orders whose reservation ran out and release their
    stock. Rows locked by another run are skipped, so overlapping runs act once per order."""
    count = status.orders_expire_unpaid()
    if count:
        logger.info("expired %s unpaid order(s)", count)
    return count


@shared_task(name="orders.reconcile_payments", time_limit=60 * 30, soft_time_limit=60 * 28)
def reconcile_payments(
    provider: str | None = None, days: int | None = None, actor_id: str | None = None
) -> list:
    """Hourly (beat) and on demand (admin): compare each configured provider's payments of the
    last PAYMENT_RECONCILIATION_DAYS days with ours (services.reconciliation)."""
    from django.contrib.auth import get_user_model

    from .services import reconciliation

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    runs = []
    for name in [provider] if provider else reconciliation.configured_providers():
        run = reconciliation.reconciliation_run(provider_name=name, days=days, actor=actor)
        runs.append({"provider": name, "run": str(run.pk), "issues": run.issue_count})
    return runs
