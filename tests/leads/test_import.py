"""CSV import of contacts: encoding and header, row validation with line numbers, dry run,
all-or-nothing, skip_invalid, duplicates update, formula-looking cells kept as text, size and
row limits, large files as a background job, and who may import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import ActivityLog
from apps.leads.models import ImportJob, Inquiry
from tests.helpers import assert_error

from .factories import InquiryFactory, csv_bytes, rule_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/import/contacts"
HEADER = "email,full_name,phone,company,country,inquiry_type,message,source,budget,timeline,org_type"


def upload(client, content: bytes, name="contacts.csv", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        f"{URL}?{query}" if query else URL,
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        format="multipart",
    )


@pytest.fixture
def admin(auth_client):
    return auth_client("admin")


def test_a_file_with_a_bom_is_imported_scored_and_reported(admin):
    rule_make({"field": "metadata.budget", "gte": 100000}, 30, rule_type="budget", name="Budget")
    content = csv_bytes(
        HEADER,
        "ada@okafor.example,Ada Okafor,+234 803 555 0142,Okafor Farms,ng,sales,Need pumps,trade-fair,"
        "250000,Q1,farm",
        "BEN@example.com,Ben Ode,,,GH,,,,,,",
        bom=True,
    )
    response = upload(admin, content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["imported"], body["dry_run"], body["total_rows"]) == (True, False, 2)
    assert (body["created_count"], body["updated_count"], body["rejected_count"]) == (2, 0, 0)
    assert [row["line"] for row in body["created"]] == [2, 3]
    ada = Inquiry.objects.get(pk=body["created"][0]["id"])
    assert (ada.email, ada.country, ada.inquiry_type, ada.source) == (
        "ada@okafor.example",
        "NG",
        "sales",
        "trade-fair",
    )
    assert ada.metadata == {"budget": 250000, "timeline": "Q1", "org_type": "farm"}
    assert ada.lead_score == 30 and ada.matched_rules[0]["rule_name"] == "Budget"
    ben = Inquiry.objects.get(email="ben@example.com")
    assert (ben.inquiry_type, ben.source, ben.status) == ("general", "import", "new")
    job = ImportJob.objects.get()
    assert (job.status, job.created_count, job.file_name) == ("done", 2, "contacts.csv")
    assert ada.import_job == job and job.content is None
    assert ActivityLog.objects.filter(action="inquiry.import", entity_id=str(job.pk)).exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (csv_bytes("mail,full_name", "a@example.com,Ada"), "invalid_header"),
        (csv_bytes("full_name,company", "Ada,Okafor"), "invalid_header"),
        (csv_bytes("email,email", "a@example.com,b@example.com"), "invalid_header"),
        (b"\xef\xbb\xbf", "missing_header"),
        (csv_bytes("", "a@example.com"), "missing_header"),
        ("email,full_name\r\na@example.com,Ad\xe9\r\n".encode("latin-1"), "invalid_encoding"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "invalid_encoding"),
    ],
)
def test_a_wrong_header_or_encoding_rejects_the_file(admin, content, code):
    assert_error(upload(admin, content), 400, code=code, attr="file")
    assert not Inquiry.objects.exists() and not ImportJob.objects.exists()


def test_headers_are_matched_leniently(admin):
    response = upload(admin, csv_bytes("Email,Full Name,Org-Type", "a@example.com,Ada,ngo"))
    assert response.status_code == 200, response.content
    assert Inquiry.objects.get().metadata == {"org_type": "ngo"}


BAD_FILE = csv_bytes(
    HEADER,
    "good@example.com,Good One,,,NG,,,,,,",
    "not-an-email,Bad Email,,,,,,,,,",
    ',"Multi\nline name",,,,,,,,,',  # starts on line 4, ends on line 5
    "c@example.com,Bad Country,,,XX,,,,,,",
    "d@example.com,Bad Type,call me,,,gossip,,,lots,,",
    "e@example.com,Too many,,,,,,,,,,extra",
)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(admin):
    body = assert_error(upload(admin, BAD_FILE), 400, kind="validation_error")
    attrs = {e["attr"] for e in body["errors"]}
    assert {
        "rows.3.email",
        "rows.4.email",
        "rows.6.country",
        "rows.7.phone",
        "rows.7.inquiry_type",
        "rows.7.budget",
        "rows.8",
        "file",
    } == attrs
    details = " ".join(e["detail"] for e in body["errors"])
    assert "Line 6:" in details and "'XX'" in details
    assert not Inquiry.objects.exists() and not ImportJob.objects.exists()


def test_a_dry_run_reports_everything_and_writes_nothing(admin):
    InquiryFactory(email="good@example.com", full_name="Old Name")
    response = upload(admin, BAD_FILE, dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["imported"]) == (True, False)
    assert (body["created_count"], body["updated_count"], body["rejected_count"]) == (0, 1, 5)
    assert [r["line"] for r in body["rejected"]] == [3, 4, 6, 7, 8]
    assert {e["field"] for e in body["rejected"][3]["errors"]} == {"phone", "inquiry_type", "budget"}
    assert Inquiry.objects.get().full_name == "Old Name"
    assert not ImportJob.objects.exists()


def test_one_bad_row_imports_nothing_but_skip_invalid_imports_the_rest(admin):
    content = csv_bytes("email,country", "a@example.com,NG", "b@example.com,ZZ", "c@example.com,US")
    assert_error(upload(admin, content), 400, kind="validation_error", attr="rows.3.country")
    assert not Inquiry.objects.exists()
    response = upload(admin, content, skip_invalid="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created_count"], body["rejected_count"], body["imported"]) == (2, 1, True)
    assert body["rejected"] == [
        {
            "line": 3,
            "email": "b@example.com",
            "errors": [{"field": "country", "detail": body["rejected"][0]["errors"][0]["detail"]}],
        }
    ]
    assert set(Inquiry.objects.values_list("email", flat=True)) == {"a@example.com", "c@example.com"}


def test_duplicates_update_rather_than_duplicate(admin):
    stored = InquiryFactory(
        email="ada@example.com",
        full_name="Ada",
        company="Old Co",
        phone="+1 555 0100",
        metadata={"budget": 10, "timeline": "later"},
        source="website",
    )
    content = csv_bytes(
        "email,full_name,company,phone,budget",
        "ADA@example.com,,New Co,,5000",  # empty cells keep what is stored
        "ben@example.com,Ben,Ben Co,,",
        "Ben@Example.com,Benjamin,,,",  # same person again in the file
    )
    response = upload(admin, content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == [{"line": 3, "email": "ben@example.com", "id": body["created"][0]["id"]}]
    assert body["updated"][0] == {"line": 2, "email": "ada@example.com", "id": str(stored.pk)}
    assert body["updated"][1]["duplicate_of_line"] == 3 and body["updated"][1]["line"] == 4
    assert Inquiry.objects.count() == 2
    stored.refresh_from_db()
    assert (stored.full_name, stored.company, stored.phone, stored.source) == (
        "Ada",
        "New Co",
        "+1 555 0100",
        "website",
    )
    assert stored.metadata == {"budget": 5000, "timeline": "later"}
    ben = Inquiry.objects.get(email="ben@example.com")
    assert (ben.full_name, ben.company) == ("Benjamin", "Ben Co")


def test_formula_looking_cells_are_stored_as_plain_text(admin):
    content = csv_bytes(
        "email,full_name,company,message,phone",
        'f@example.com,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1:A9),'
        "-2+3 cmd|' /C calc'!A0,+234 803 555 0142",
    )
    response = upload(admin, content)
    assert response.status_code == 200, response.content
    stored = Inquiry.objects.get()
    assert stored.full_name == '=HYPERLINK("http://evil.example","x")'
    assert stored.company == "@SUM(A1:A9)"
    assert stored.message == "-2+3 cmd|' /C calc'!A0"
    assert stored.phone == "+234 803 555 0142"


def test_an_oversized_file_is_a_413(admin, settings):
    settings.LEADS_IMPORT_MAX_BYTES = 100
    content = csv_bytes("email,message", *[f"a{n}@example.com,{'x' * 20}" for n in range(10)])
    assert_error(upload(admin, content), 413, code="file_too_large", attr="file")
    assert not Inquiry.objects.exists()


def test_too_many_rows_is_a_413(admin, settings):
    settings.LEADS_IMPORT_MAX_ROWS = 3
    content = csv_bytes("email", *[f"a{n}@example.com" for n in range(4)])
    assert_error(upload(admin, content), 413, code="too_many_rows")


def test_a_missing_or_empty_file_is_a_400(admin):
    assert_error(admin.post(URL, {}, format="multipart"), 400, kind="validation_error", attr="file")
    assert_error(upload(admin, b""), 400, kind="validation_error", attr="file")


def test_a_large_file_becomes_a_background_job(admin, settings, django_capture_on_commit_callbacks):
    settings.LEADS_IMPORT_SYNC_MAX_ROWS = 5
    content = csv_bytes("email,country", *[f"bulk{n}@example.com,NG" for n in range(12)])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin, content, name="big.csv")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued" and response.json()["total_rows"] == 12
    status = admin.get(f"{URL}/{job_id}")
    assert status.status_code == 200
    body = status.json()
    assert (body["status"], body["created_count"], body["file_name"]) == ("done", 12, "big.csv")
    assert len(body["report"]["created"]) == 12 and body["finished_at"]
    assert Inquiry.objects.filter(import_job_id=job_id).count() == 12
    assert ImportJob.objects.get(pk=job_id).content is None


def test_a_background_job_with_invalid_rows_fails_and_imports_nothing(
    admin, settings, django_capture_on_commit_callbacks
):
    settings.LEADS_IMPORT_SYNC_MAX_ROWS = 2
    content = csv_bytes("email", "a@example.com", "nope", "c@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(admin, content).json()["id"]
    body = admin.get(f"{URL}/{job_id}").json()
    assert body["status"] == "failed" and body["rejected_count"] == 1
    assert body["report"]["rejected"][0]["line"] == 3 and "nothing was imported" in body["error"]
    assert not Inquiry.objects.exists()


def test_a_large_file_with_a_wrong_header_is_refused_at_once(admin, settings):
    settings.LEADS_IMPORT_SYNC_MAX_ROWS = 1
    assert_error(
        upload(admin, csv_bytes("mail", "a@example.com", "b@example.com")), 400, code="invalid_header"
    )
    assert not ImportJob.objects.exists()


def test_the_background_threshold_is_5000_rows_by_default():
    from django.conf import settings

    assert settings.LEADS_IMPORT_SYNC_MAX_ROWS == 5000


def test_who_may_import(auth_client, api_client):
    content = csv_bytes("email", "a@example.com")
    assert upload(api_client, content).status_code == 401
    for role in ("support", "customer", "finance"):
        assert_error(upload(auth_client(role), content), 403)


def test_a_sales_user_gets_their_new_contacts_and_cannot_overwrite_others(auth_client, make_user):
    rep = auth_client("sales")
    other = make_user("sales")
    theirs = InquiryFactory(email="taken@example.com", assigned_to=other, full_name="Theirs")
    response = upload(
        rep,
        csv_bytes("email,full_name", "new@example.com,New", "taken@example.com,Hijack"),
        skip_invalid="true",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rejected"][0]["line"] == 3 and body["rejected"][0]["errors"][0]["field"] == "email"
    theirs.refresh_from_db()
    assert theirs.full_name == "Theirs"
    new = Inquiry.objects.get(email="new@example.com")
    assert new.assigned_to == rep.user
    listed = rep.get("/api/v1/inquiries").json()["results"]
    assert [row["email"] for row in listed] == ["new@example.com"]


def test_an_import_job_is_visible_to_its_creator_and_admins_only(
    auth_client, settings, django_capture_on_commit_callbacks
):
    settings.LEADS_IMPORT_SYNC_MAX_ROWS = 1
    rep = auth_client("sales")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(rep, csv_bytes("email", "a@example.com", "b@example.com")).json()["id"]
    assert rep.get(f"{URL}/{job_id}").status_code == 200
    assert auth_client("admin").get(f"{URL}/{job_id}").status_code == 200
    assert_error(auth_client("sales").get(f"{URL}/{job_id}"), 404)


def test_stale_import_jobs_are_queued_again(monkeypatch):
    from django.utils import timezone

    from apps.leads.models import ImportJob
    from apps.leads.services import imports
    from apps.leads.tasks import run_contact_import

    sent = []
    monkeypatch.setattr(run_contact_import, "delay", lambda job_id: sent.append(job_id))
    lost = ImportJob.objects.create(status="queued")
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=30))
    ImportJob.objects.create(status="queued")  # just queued: its task is on its way
    stuck = ImportJob.objects.create(
        status="running", started_at=timezone.now() - timezone.timedelta(hours=2)
    )
    ImportJob.objects.create(status="done")
    assert imports.import_jobs_requeue_stale() == 2
    assert sorted(sent) == sorted([str(lost.pk), str(stuck.pk)])


def test_an_import_job_runs_once_even_if_its_task_comes_twice(
    admin, settings, django_capture_on_commit_callbacks
):
    from apps.leads.services import imports

    settings.LEADS_IMPORT_SYNC_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(admin, csv_bytes("email", "a@example.com", "b@example.com")).json()["id"]
    assert imports.import_job_run(job_id=job_id) is None
    assert Inquiry.objects.count() == 2
