import logging

from celery import shared_task
from django.db import OperationalError

from .services import quotes

logger = logging.getLogger(__name__)


@shared_task(
    name="rfq.expire_quotes",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def expire_quotes() -> int:
    """Hourly (beat): sent quotes whose valid_until has passed become ``expired`` (accepting one
    was already refused from that day on). Rows another run holds are skipped."""
    count = batch = quotes.quotes_expire()
    while batch == quotes.EXPIRE_BATCH:
        batch = quotes.quotes_expire()
        count += batch
    if count:
        logger.info("expired %s quote(s)", count)
    return count
