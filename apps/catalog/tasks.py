"""Catalog background jobs."""

from celery import shared_task
from django.db import connection

from . import pg_queries


@shared_task(name="catalog.compact_product_status_counts")
def compact_product_status_counts() -> bool:
    """Every 10 minutes (beat), PostgreSQL only: fold the per-status product count changes that
    the triggers appended into one row per status (migration 0006). One DELETE … RETURNING +
    INSERT statement, so overlapping runs are safe."""
    if connection.vendor != "postgresql":
        return False
    pg_queries.compact_status_counts()
    return True
