import logging

from celery import shared_task

from .services import news_publish_due

logger = logging.getLogger(__name__)


@shared_task(name="cms.publish_scheduled_articles")
def publish_scheduled_articles() -> int:
    """Every minute (beat): publish scheduled articles whose publish_at has passed. One
    conditional UPDATE, so overlapping runs publish each article once."""
    count = news_publish_due()
    if count:
        logger.info("published %s scheduled article(s)", count)
    return count
