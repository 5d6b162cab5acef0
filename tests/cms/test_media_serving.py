"""GET /media/… on local-disk storage, through the whole middleware stack (Django's test
client): only files the library knows, with safe headers, DEBUG on and off; private files only
with a signed URL that expires."""

import types
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import http_date

from apps.cms.models import MediaFile
from apps.cms.serving import MEDIA_CSP

from .factories import MediaFileFactory, png_bytes

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><script>document.title='pwned'</script>"


def body(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def assert_safe(response, *, content_type: str, attachment: bool) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP
    assert response["Content-Type"] == content_type
    disposition = response.get("Content-Disposition", "")
    assert disposition.startswith("attachment") if attachment else not disposition.startswith("attachment")


def legacy(name: str, content: bytes, **fields) -> MediaFile:
    """A file stored before names came from the sniffed type (client's extension kept)."""
    stored = storages["default"].save(name, ContentFile(content))
    return MediaFile.objects.create(file=stored, size=len(content), status=MediaFile.Status.READY, **fields)


@pytest.mark.parametrize("debug", [True, False])
def test_an_uploaded_image_is_shown_inline_with_safe_headers(client, content_client, settings, debug):
    settings.DEBUG = debug
    content = png_bytes(5, 5)
    upload = content_client.post(
        "/api/v1/media",
        {"file": SimpleUploadedFile("tractor.html", content, "text/html")},
        format="multipart",
    )
    url = upload.json()["results"][0]["url"]
    response = client.get(url)
    assert body(response) == content
    assert_safe(response, content_type="image/png", attachment=False)
    assert 'filename="tractor.png"' in response["Content-Disposition"]  # never saved as .html
    assert response["Cache-Control"] == "no-cache" and response["Last-Modified"]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("spec.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", "application/pdf"),
        ("notes.txt", b"plain words\n", "text/plain; charset=utf-8"),
        ("prices.csv", b"name,price\nTractor,1499\nTiller,299\n", "text/csv; charset=utf-8"),
    ],
)
def test_anything_but_an_image_is_an_attachment(
    client, content_client, settings, debug, name, content, content_type
):
    settings.DEBUG = debug
    upload = content_client.post(
        "/api/v1/media", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    response = client.get(upload.json()["results"][0]["url"])
    assert body(response) == content
    assert_safe(response, content_type=content_type, attachment=True)
    assert f'filename="{name}"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("file_name", "mime_type", "saved_as"),
    [
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.JPG", "image/jpeg", "photo.JPG"),
        ("scan", "application/pdf", "scan.pdf"),
        (".htaccess", "text/plain", ".htaccess.txt"),
        ("a.b.html", "text/csv", "a.b.csv"),
        ("x.svg", "application/octet-stream", "x.bin"),
    ],
)
def test_the_saved_name_has_the_extension_of_the_served_type(file_name, mime_type, saved_as):
    from apps.cms.storage import download_name

    assert download_name(file_name, mime_type) == saved_as


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    ("name", "mime_type", "served", "attachment", "saved_as"),
    [
        ("media/2024/01/report.html", "text/plain", "text/plain; charset=utf-8", True, "report.txt"),
        (
            "media/2024/01/logo.svg",
            "image/svg+xml",
            "application/octet-stream",
            True,
            "logo.bin",
        ),  # allowed once
        ("media/2024/01/x.html", "image/gif", "image/gif", False, "x.gif"),  # a polyglot kept as .html
        ("media/2024/01/page.xhtml", "", "application/octet-stream", True, "page.bin"),
    ],
)
def test_files_stored_before_the_fix_are_served_by_their_recorded_type(
    client, settings, debug, name, mime_type, served, attachment, saved_as
):
    settings.DEBUG = debug
    media = legacy(name, HTML, file_name=name.rsplit("/", 1)[-1], file_type="document", mime_type=mime_type)
    response = client.get(storages["default"].url(media.file.name))
    assert body(response) == HTML
    assert_safe(response, content_type=served, attachment=attachment)
    assert f'filename="{saved_as}"' in response["Content-Disposition"]


def test_only_ready_files_of_the_library_are_served(client, _media_root):
    storages["default"].save("media/2026/01/orphan.png", ContentFile(png_bytes()))
    (_media_root / "secret.txt").write_text("not a media file")
    pending = MediaFileFactory(status=MediaFile.Status.PENDING)
    for path in (
        "/media/media/2026/01/orphan.png",
        "/media/secret.txt",
        "/media/../config/settings.py",
        "/media/%2e%2e/config/settings.py",
        f"/media/{pending.file.name}",
        "/media/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_row_whose_file_is_missing_is_404(client):
    media = MediaFileFactory()
    storages["default"].delete(media.file.name)
    assert client.get(storages["default"].url(media.file.name)).status_code == 404


def test_conditional_get_and_head(client):
    media = MediaFileFactory()
    url = storages["default"].url(media.file.name)
    later = http_date((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=later)
    assert not_modified.status_code == 304
    assert not_modified["Content-Security-Policy"] == MEDIA_CSP
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Type"] == "image/png"
    assert client.post(url).status_code == 405


# --- private files ------------------------------------------------------------------------


def _private_url(content_client) -> tuple[MediaFile, str]:
    upload = content_client.post(
        "/api/v1/media",
        {"file": SimpleUploadedFile("prices.pdf", b"%PDF-1.4\n%%EOF"), "is_public": "false"},
        format="multipart",
    )
    item = upload.json()["results"][0]
    return MediaFile.objects.get(pk=item["id"]), item["url"]


def test_a_private_file_is_404_without_its_signature(client, content_client):
    media, url = _private_url(content_client)
    assert "?signature=" in url
    assert client.get(storages["default"].url(media.file.name)).status_code == 404
    assert client.get(url + "x").status_code == 404
    assert client.get(url.replace("signature=", "signature=1")).status_code == 404
    # The signature of one private file does not open another.
    other, other_url = _private_url(content_client)
    assert client.get(storages["default"].url(other.file.name) + "?" + url.split("?")[1]).status_code == 404


def test_a_private_files_signed_url_works_until_it_expires(client, content_client, settings, monkeypatch):
    settings.MEDIA_PRIVATE_URL_SECONDS = 300
    signed_at = datetime.now(UTC).timestamp()
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: signed_at))
    media, url = _private_url(content_client)

    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: signed_at + 299))
    response = client.get(url)
    assert body(response) == b"%PDF-1.4\n%%EOF"
    assert_safe(response, content_type="application/pdf", attachment=True)
    assert response["Cache-Control"] == "private, no-store"

    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: signed_at + 301))
    assert client.get(url).status_code == 404


def test_the_admin_links_a_private_file_by_its_signed_url(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    media = MediaFileFactory(is_public=False)
    page = client.get(f"/admin/cms/mediafile/{media.pk}/change/").content.decode()
    assert f"/media/{media.file.name}?signature=" in page


# --- a site-wide Content-Security-Policy middleware keeps the media view's own policy -----


def test_a_site_wide_csp_middleware_does_not_replace_the_media_policy(client, settings):
    pytest.importorskip("csp")  # django-csp, installed by the site-wide CSP work
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'"]}}
    media = MediaFileFactory()
    response = client.get(storages["default"].url(media.file.name))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == MEDIA_CSP
    site = client.get("/admin/login/")
    assert "script-src 'self'" in site["Content-Security-Policy"]  # the middleware is active
