"""Async reports: POST /api/v1/reports → 202, a worker writes the file (in chunks, gzip on
demand) and it is handed out through a short-lived signed link; a worker killed mid-way never
leaves a report done with a partial file; the sweeper and the nightly purge."""

import csv
import gzip
import io
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.notifications.models import EmailMessage
from apps.reports import services
from apps.reports.models import Report
from tests.helpers import assert_error
from tests.tracking.factories import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reports_root(tmp_path, settings):
    settings.REPORTS_ROOT = str(tmp_path / "reports")


def _orders(n=3):
    return [paid_order({f"RA{i}": 1, f"RB{i}": 1}, email=f"r{i}@example.com") for i in range(n)]


def _request(client, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reports", body, format="json")
    return response


def _download(client, url):
    path = url.replace("http://testserver", "")
    response = client.get(path)
    return response, b"".join(response.streaming_content)


def test_happy_path_writes_the_file_links_it_and_emails_the_requester(
    auth_client, django_capture_on_commit_callbacks
):
    _orders(3)
    finance = auth_client("finance")
    response = _request(
        finance, {"dataset": "orders", "filters": {"status": "paid"}}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and set(body) == {"id", "status"}
    detail = finance.get(f"/api/v1/reports/{body['id']}").json()
    assert detail["status"] == "done" and detail["rows"] == 3 and detail["progress"] == 100
    assert detail["total_rows"] == 3 and detail["file_size"] > 0
    expires = timezone.datetime.fromisoformat(detail["download_expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=590) < expires - timezone.now() <= timedelta(seconds=600)
    download, raw = _download(auth_client("customer"), detail["download_url"])  # the link is the key
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    exported = b"".join(finance.get("/api/v1/export/orders?status=paid").streaming_content)
    assert raw == exported
    assert len(list(csv.reader(io.StringIO(raw.decode())))) == 4
    email = EmailMessage.objects.get(template="report_ready")
    assert email.to == [finance.user.email] and "3 rows" in email.subject
    assert finance.get("/api/v1/reports").json()["count"] == 1


def test_gzip(auth_client, django_capture_on_commit_callbacks):
    _orders(2)
    admin = auth_client("admin")
    report_id = _request(
        admin, {"dataset": "order-lines", "compress": True}, django_capture_on_commit_callbacks
    ).json()["id"]
    detail = admin.get(f"/api/v1/reports/{report_id}").json()
    response, raw = _download(admin, detail["download_url"])
    assert response["Content-Type"] == "application/gzip"
    text = gzip.decompress(raw).decode()
    assert text.startswith("order_number,") and text.count("\r\n") == 1 + 4


def test_only_the_requester_sees_it_and_bad_requests_are_refused(
    api_client, auth_client, django_capture_on_commit_callbacks
):
    finance = auth_client("finance")
    report_id = _request(finance, {"dataset": "payments"}, django_capture_on_commit_callbacks).json()["id"]
    assert_error(auth_client("finance").get(f"/api/v1/reports/{report_id}"), 404, code="not_found")
    assert api_client.post("/api/v1/reports", {"dataset": "orders"}, format="json").status_code == 401
    assert_error(auth_client("sales").post("/api/v1/reports", {"dataset": "orders"}, format="json"), 403)
    assert_error(
        finance.post("/api/v1/reports", {"dataset": "people"}, format="json"),
        400,
        kind="validation_error",
        attr="dataset",
    )
    assert_error(
        finance.post("/api/v1/reports", {"dataset": "orders", "filters": {"status": "lost"}}, format="json"),
        400,
        kind="validation_error",
        attr="status",
    )
    assert Report.objects.count() == 1


def test_the_signed_link_expires_and_cannot_be_forged(auth_client, django_capture_on_commit_callbacks):
    admin = auth_client("admin")
    report_id = _request(admin, {"dataset": "refunds"}, django_capture_on_commit_callbacks).json()["id"]
    url = admin.get(f"/api/v1/reports/{report_id}").json()["download_url"]
    later = time.time() + settings.REPORT_URL_SECONDS + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = admin.get(url.replace("http://testserver", ""))
    assert_error(response, 403, code="link_expired")
    forged = url.replace("http://testserver", "")[:-3] + "abc"
    assert_error(admin.get(forged), 403, code="invalid_link")
    other = Report.objects.create(requested_by=admin.user, dataset="refunds", status="done", file="x.csv")
    token = url.split("token=")[1]
    assert_error(admin.get(f"/api/v1/reports/{other.pk}/download?token={token}"), 403, code="invalid_link")


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-report (nothing after it runs)."""


def test_a_worker_killed_mid_way_never_leaves_the_report_done(auth_client, monkeypatch):
    _orders(3)
    admin = auth_client("admin")
    with transaction.atomic():
        report = services.report_request(user=admin.user, dataset="orders", filters={})
    real_csv = services.dataset_csv

    def dying(dataset, queryset, **kwargs):
        for chunk, rows in real_csv(dataset, queryset, **kwargs):
            if rows:  # the header went out; the worker dies before the rows are written
                raise WorkerKilled
            yield chunk, rows

    monkeypatch.setattr(services, "dataset_csv", dying)
    with pytest.raises(WorkerKilled):
        services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "running" and report.file == "" and report.attempts == 1
    assert admin.get(f"/api/v1/reports/{report.pk}").json()["download_url"] is None
    # The task is delivered again (late acks): from scratch, complete.
    monkeypatch.setattr(services, "dataset_csv", real_csv)
    assert services.report_generate(report_id=report.pk) == "done: 3 rows"
    report.refresh_from_db()
    assert (report.status, report.rows, report.attempts) == ("done", 3, 2)
    assert report.file.endswith("_2.csv")


def test_an_error_fails_the_report_and_the_sweeper_requeues_or_gives_up(
    auth_client, monkeypatch, settings, django_capture_on_commit_callbacks
):
    admin = auth_client("admin")
    with transaction.atomic():
        report = services.report_request(user=admin.user, dataset="orders", filters={})

    def broken(dataset, queryset, **kwargs):
        raise RuntimeError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(services, "dataset_csv", broken)
    assert services.report_generate(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "disk full" in report.error and report.file == ""
    # A silent running report: re-queued; past the maximum attempts: failed.
    stale = timezone.now() - timedelta(minutes=settings.REPORT_STALE_MINUTES + 1)
    Report.objects.filter(pk=report.pk).update(status="running", updated_at=stale, attempts=1)
    with (
        mock.patch("apps.reports.tasks.generate_report.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.reports_sweep() == {"requeued": 1, "failed": 0}
    assert Report.objects.get(pk=report.pk).status == "queued"
    delay.assert_called_once_with(str(report.pk))
    Report.objects.filter(pk=report.pk).update(
        status="running", updated_at=stale, attempts=settings.REPORT_MAX_ATTEMPTS
    )
    assert services.reports_sweep() == {"requeued": 0, "failed": 1}
    assert Report.objects.get(pk=report.pk).status == "failed"


def test_reports_older_than_the_retention_are_purged_with_their_files(
    auth_client, django_capture_on_commit_callbacks
):
    admin = auth_client("admin")
    old_id = _request(admin, {"dataset": "refunds"}, django_capture_on_commit_callbacks).json()["id"]
    new_id = _request(admin, {"dataset": "payments"}, django_capture_on_commit_callbacks).json()["id"]
    old = Report.objects.get(pk=old_id)
    storage = services.report_storage()
    assert storage.exists(old.file)
    Report.objects.filter(pk=old_id).update(created_at=timezone.now() - timedelta(days=31))
    assert services.reports_purge() == 1
    assert not storage.exists(old.file)
    assert list(Report.objects.values_list("pk", flat=True)) == [Report.objects.get(pk=new_id).pk]
    assert services.reports_purge() == 0  # idempotent
