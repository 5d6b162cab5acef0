"""A report through the real Celery worker (CI's PostgreSQL run; in-process elsewhere): queued
by the API, written by the worker to storage, downloadable through its signed link."""

import time

import pytest

from apps.reports.models import Report
from tests.tracking.factories import paid_order


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_is_written_by_the_worker(auth_client):
    paid_order({"WRK-A": 1, "WRK-B": 2}, email="worker-report@example.com")
    finance = auth_client("finance")
    response = finance.post(
        "/api/v1/reports", {"dataset": "order-lines", "filters": {"status": "paid"}}, format="json"
    )
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if report.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert report.status == "done", (report.status, report.error)
    assert report.rows == 2 and report.attempts == 1
    detail = finance.get(f"/api/v1/reports/{report_id}").json()
    download = finance.get(detail["download_url"].replace("http://testserver", ""))
    text = b"".join(download.streaming_content).decode()
    assert download.status_code == 200 and "WRK-A" in text and "WRK-B" in text
