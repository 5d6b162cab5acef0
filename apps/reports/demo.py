"""Demo analytics: the daily snapshot of every past day of the dashboards' range, from the
other apps' demo data (apps are seeded in INSTALLED_APPS order; reports comes last)."""

from .analytics import snapshot_missing


def seed(*, stdout=None) -> None:
    filled = snapshot_missing()
    if stdout and filled:
        stdout.write(f"reports: daily metrics snapshotted for {filled} days")
