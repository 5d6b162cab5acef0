from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name="reports.generate_report",
    acks_late=True,
    reject_on_worker_lost=True,  # a killed worker's report is delivered again, from scratch
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
    soft_time_limit=max(1, settings.REPORT_TIME_LIMIT_SECONDS - 30),
)
def generate_report(report_id: str) -> str:
    return services.report_generate(report_id=report_id)


@shared_task(name="reports.purge_old_reports")
def purge_old_reports() -> int:
    """Nightly: reports older than REPORT_RETENTION_DAYS, files too."""
    return services.reports_purge()


@shared_task(name="reports.sweep_stale_reports")
def sweep_stale_reports() -> dict:
    """Every 10 minutes: reports whose worker died are re-queued (or failed after the maximum)."""
    return services.reports_sweep()


@shared_task(name="reports.snapshot_daily_metrics")
def snapshot_daily_metrics() -> dict:
    """Nightly: yesterday's and the day before's figures into DailyMetric (again: late changes),
    and any past day of the dashboards' range that has no snapshot yet (idempotent)."""
    from .analytics import snapshot_missing, snapshot_recent

    return {"refreshed": snapshot_recent(), "filled": snapshot_missing()}


@shared_task(name="reports.prune_analytics_events")
def prune_analytics_events() -> int:
    """Nightly: raw analytics events past ANALYTICS_EVENT_RETENTION_DAYS."""
    from .analytics import prune_events

    return prune_events()
