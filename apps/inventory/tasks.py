import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="inventory.send_low_stock_digest")
def send_low_stock_digest() -> int:
    """Hourly (beat): one digest email to the logistics role of the stock levels that went low
    since the last one (services.low_stock_digest_send). Safe when two run at once."""
    count = services.low_stock_digest_send()
    if count:
        logger.info("low-stock digest: %s level(s)", count)
    return count
