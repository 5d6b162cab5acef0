"""The Celery app. Tasks are autodiscovered from every installed app's tasks.py.

The beat schedule lives here, in code; docs/operations.md (Scheduled jobs) documents each entry.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("foundry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "cms.publish-scheduled-articles": {
        "task": "cms.publish_scheduled_articles",
        "schedule": crontab(),  # every minute
    },
    "catalog.compact-product-status-counts": {
        "task": "catalog.compact_product_status_counts",
        "schedule": crontab(minute="*/10"),
    },
    "orders.expire-unpaid-orders": {
        "task": "orders.expire_unpaid_orders",
        "schedule": crontab(),  # every minute
    },
    "orders.reconcile-payments": {
        "task": "orders.reconcile_payments",
        "schedule": crontab(minute=23),  # hourly
    },
    "inventory.low-stock-digest": {
        "task": "inventory.send_low_stock_digest",
        "schedule": crontab(minute=7),  # hourly
    },
    "rfq.expire-quotes": {
        "task": "rfq.expire_quotes",
        "schedule": crontab(minute=11),  # hourly
    },
    "notifications.sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": crontab(minute="*/5"),  # lost/stale emails and SMS, stalled broadcasts
    },
    "core.purge-idempotency-keys": {
        "task": "core.purge_expired_idempotency_keys",
        "schedule": crontab(minute=17),  # hourly
    },
    "accounts.flush-expired-tokens": {
        "task": "accounts.flush_expired_tokens",
        "schedule": crontab(hour=3, minute=5),  # nightly
    },
    "leads.remind-stale-inquiries": {
        "task": "leads.remind_stale_inquiries",
        "schedule": crontab(minute=37),  # hourly: inquiries still new after LEADS_STALE_HOURS
    },
    "leads.requeue-stale-imports": {
        "task": "leads.requeue_stale_imports",
        "schedule": crontab(minute="*/10"),
    },
    "reports.snapshot-daily-metrics": {
        "task": "reports.snapshot_daily_metrics",
        "schedule": crontab(hour=0, minute=20),  # nightly: yesterday and the day before
    },
    "reports.prune-analytics-events": {
        "task": "reports.prune_analytics_events",
        "schedule": crontab(hour=4, minute=10),  # nightly
    },
    "reports.purge-old-reports": {
        "task": "reports.purge_old_reports",
        "schedule": crontab(hour=3, minute=30),  # nightly
    },
    "reports.sweep-stale-reports": {
        "task": "reports.sweep_stale_reports",
        "schedule": crontab(minute="*/10"),
    },
    "jobs.apply-missed-job-payments": {
        "task": "jobs.apply_missed_job_payments",
        "schedule": crontab(minute="*/10"),  # job payments whose after-commit event was lost
    },
    "jobs.expire-job-offers": {
        "task": "jobs.expire_job_offers",
        "schedule": crontab(minute="*/15"),  # unanswered offers → next candidate; lost matches
    },
    "leads.rescore-open-inquiries": {
        "task": "leads.rescore_open_inquiries_nightly",
        "schedule": crontab(hour=2, minute=40),  # nightly safety net
    },
}
