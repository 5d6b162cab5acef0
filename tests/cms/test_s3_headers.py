"""On S3 the files live on the bucket's origin: every object carries the Content-Type of its
sniffed type and, unless it is an allow-listed image, Content-Disposition: attachment, whatever
the client declared. Presigned uploads: the key's extension comes from the declared type, and
what arrives must be of that type (moto's server on loopback, no internet)."""

from urllib.parse import parse_qs, urlparse

import pytest
import urllib3
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms.models import MediaFile
from tests.conftest import S3_TEST_BUCKET as BUCKET
from tests.helpers import assert_error

from .factories import PDF, gif_bytes, png_bytes

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _headers(s3, key) -> tuple[str, str | None]:
    head = s3.head_object(Bucket=BUCKET, Key=key)
    return head["ContentType"], head.get("ContentDisposition")


@pytest.mark.parametrize(
    ("name", "content", "extension", "content_type", "disposition"),
    [
        ("x.html", gif_bytes() + HTML, ".gif", "image/gif", None),
        ("report.html", PDF, ".pdf", "application/pdf", "attachment"),
        ("notes.html", b"plain words\n", ".txt", "text/plain; charset=utf-8", "attachment"),
    ],
)
def test_uploaded_objects_carry_the_sniffed_type_not_the_clients(
    s3, content_client, name, content, extension, content_type, disposition
):
    response = content_client.post(
        "/api/v1/media", {"file": SimpleUploadedFile(name, content, "text/html")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    media = MediaFile.objects.get(pk=response.json()["results"][0]["id"])
    assert media.file.name.endswith(extension)
    assert _headers(s3, media.file.name) == (content_type, disposition)
    fetched = urllib3.PoolManager().request("GET", response.json()["results"][0]["url"])
    assert fetched.status == 200 and fetched.headers["Content-Type"] == content_type


def test_markup_never_reaches_the_bucket(s3, content_client):
    response = content_client.post(
        "/api/v1/media", {"file": SimpleUploadedFile("r.html", HTML, "text/html")}, format="multipart"
    )
    assert_error(response, 400, code="unsupported_file_type")
    assert _keys(s3) == []


def test_a_private_files_url_expires_with_media_private_url_seconds(s3, content_client, settings):
    settings.MEDIA_PRIVATE_URL_SECONDS = 120
    response = content_client.post(
        "/api/v1/media", {"file": SimpleUploadedFile("p.pdf", PDF), "is_public": "false"}, format="multipart"
    )
    query = parse_qs(urlparse(response.json()["results"][0]["url"]).query)
    assert query["X-Amz-Expires"] == ["120"]


# --- presigned uploads ---------------------------------------------------------------------


def _presign(client, *, file_name, content_type, size):
    return client.post(
        "/api/v1/media/presigned",
        {"file_name": file_name, "content_type": content_type, "size": size},
        format="json",
    )


def _post_to_s3(presigned, content, **override):
    fields = {**presigned["fields"], **override}
    fields["file"] = ("upload", content, fields.get("Content-Type", "application/octet-stream"))
    return urllib3.PoolManager().request("POST", presigned["url"], fields=fields)


def test_the_presigned_key_takes_the_declared_types_extension(s3, content_client):
    presigned = _presign(
        content_client, file_name="manual.html", content_type="application/pdf", size=len(PDF)
    ).json()
    assert presigned["key"].endswith(".pdf") and ".html" not in presigned["key"]
    assert presigned["fields"]["Content-Type"] == "application/pdf"
    assert presigned["fields"]["Content-Disposition"] == "attachment"
    image = _presign(content_client, file_name="a.svg", content_type="image/png", size=10).json()
    assert image["key"].endswith(".png") and "Content-Disposition" not in image["fields"]


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/javascript"],
)
def test_presigning_an_active_type_is_refused(s3, content_client, settings, content_type):
    settings.MEDIA_ALLOWED_TYPES = [*settings.MEDIA_ALLOWED_TYPES, content_type]  # even if configured
    response = _presign(content_client, file_name="x", content_type=content_type, size=100)
    assert_error(response, 400, code="unsupported_file_type")
    assert MediaFile.objects.count() == 0


def test_a_completed_upload_gets_the_headers_whatever_the_client_sent(s3, content_client):
    """moto does not enforce the POST policy, as a misconfigured proxy might not: the object
    gets its headers from the verified type on completion anyway."""
    content = png_bytes(6, 6)
    presigned = _presign(
        content_client, file_name="p.png", content_type="image/png", size=len(content)
    ).json()
    assert _post_to_s3(presigned, content, **{"Content-Type": "text/html"}).status in (200, 201, 204)
    assert _headers(s3, presigned["key"])[0] == "text/html"
    done = content_client.post(f"/api/v1/media/{presigned['id']}/complete")
    assert done.status_code == 200, done.content
    assert _headers(s3, presigned["key"]) == ("image/png", None)
    pdf = _presign(content_client, file_name="m.pdf", content_type="application/pdf", size=len(PDF)).json()
    _post_to_s3(pdf, PDF, **{"Content-Type": "text/html", "Content-Disposition": "inline"})
    assert content_client.post(f"/api/v1/media/{pdf['id']}/complete").status_code == 200
    assert _headers(s3, pdf["key"]) == ("application/pdf", "attachment")


@pytest.mark.parametrize(
    ("declared", "content", "code"),
    [
        ("image/png", gif_bytes() + HTML, "type_mismatch"),  # a GIF where a PNG was declared
        ("application/pdf", png_bytes(), "type_mismatch"),
        ("text/plain", HTML, "unsupported_file_type"),  # markup declared as text
        ("text/csv", b"a,b\n1,2\n<svg onload=alert(1)>,3\n", "unsupported_file_type"),
    ],
)
def test_a_completed_upload_of_another_type_is_removed(
    s3, content_client, declared, content, code, django_capture_on_commit_callbacks
):
    presigned = _presign(content_client, file_name="f", content_type=declared, size=len(content)).json()
    assert _post_to_s3(presigned, content).status in (200, 201, 204)
    with django_capture_on_commit_callbacks(execute=True):
        response = content_client.post(f"/api/v1/media/{presigned['id']}/complete")
    assert_error(response, 400, code=code)
    assert not MediaFile.objects.filter(pk=presigned["id"]).exists()
    assert _keys(s3) == []


def test_objects_stored_before_the_fix_get_safe_headers_from_the_command(s3, content_client):
    from io import StringIO

    from django.core.management import call_command

    # As the old code stored them: the client's name and Content-Type.
    s3.put_object(
        Bucket=BUCKET, Key="media/2024/01/report.html", Body=b"plain words\n", ContentType="text/html"
    )
    s3.put_object(Bucket=BUCKET, Key="media/2024/01/x.html", Body=gif_bytes() + HTML, ContentType="text/html")
    legacy = (("media/2024/01/report.html", "text/plain"), ("media/2024/01/x.html", "image/gif"))
    for key, mime_type in legacy:
        MediaFile.objects.create(
            file=key,
            file_name=key.rsplit("/", 1)[-1],
            file_type="document",
            mime_type=mime_type,
            size=1,
            status=MediaFile.Status.READY,
        )
    MediaFile.objects.create(
        file="media/2024/01/gone.pdf",
        file_name="gone.pdf",
        file_type="document",
        mime_type="application/pdf",
        size=1,
        status=MediaFile.Status.READY,
    )
    out = StringIO()
    call_command("media_secure_objects", stdout=out)
    assert "2 stored object(s)" in out.getvalue()  # the missing object is logged and skipped
    assert _headers(s3, "media/2024/01/report.html") == ("text/plain; charset=utf-8", "attachment")
    assert _headers(s3, "media/2024/01/x.html") == ("image/gif", None)
    assert s3.get_object(Bucket=BUCKET, Key="media/2024/01/x.html")["Body"].read().startswith(b"GIF8")


def test_the_command_does_nothing_on_local_disk(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    out = StringIO()
    call_command("media_secure_objects", stdout=out)
    assert "0 stored object(s)" in out.getvalue()


def test_names_outside_the_media_library_never_take_the_clients_type(s3):
    """The reports' exports share the default storage: a .csv.gz keeps its guessed type and
    encoding; a name without a passive extension is a download of application/octet-stream."""
    from django.core.files.storage import storages

    storage = storages["default"]
    storage.save("reports/1/orders.csv.gz", ContentFile(b"\x1f\x8b\x08\x00", name="x"))
    assert s3.head_object(Bucket=BUCKET, Key="reports/1/orders.csv.gz")["ContentEncoding"] == "gzip"
    assert _headers(s3, "reports/1/orders.csv.gz") == ("text/csv; charset=utf-8", "attachment")
    html = SimpleUploadedFile("page.html", HTML, "text/html")
    storage.save("other/page.html", html)
    assert _headers(s3, "other/page.html") == ("application/octet-stream", "attachment")
