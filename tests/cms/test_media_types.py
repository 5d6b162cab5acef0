"""What the media library accepts, and under which name it stores it: only passive types,
never markup, and the stored name's extension comes from the sniffed type, never the client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms import uploads
from apps.cms.checks import media_allowed_types_are_passive
from apps.cms.models import MediaFile
from tests.helpers import assert_error

from .conftest import stored_files
from .factories import PDF, gif_bytes, png_bytes

pytestmark = pytest.mark.django_db

SCRIPT = (
    "<script>fetch('/admin/').then(r => r.text()).then(t => fetch('/x', {method: 'POST', body: t}))</script>"
)


def _upload(client, name, content, content_type="application/octet-stream"):
    return client.post(
        "/api/v1/media", {"file": SimpleUploadedFile(name, content, content_type)}, format="multipart"
    )


ACTIVE = {
    "report.html": f"<!doctype html><html><body><h1>Q3</h1>{SCRIPT}</body></html>",
    "fragment.html": f"<h1>Q3</h1>\n{SCRIPT}",
    "logo.svg": f'<svg xmlns="http://www.w3.org/2000/svg">{SCRIPT}</svg>',
    "bom.svg": '\ufeff  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "page.xhtml": f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>{SCRIPT}</body></html>',
    "feed.xml": '<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><feed/>',
    "data.xml": "<records><record>1</record></records>",
    "ns.xml": '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    "notes.txt": f"Meeting notes\nsee below\n{SCRIPT.upper()}\n",
    "prices.csv": "name,price\nTractor,1499\n<svg/onload=alert(1)>,0\n",
    "app.js": f'document.write("{SCRIPT}")',
    "frame.txt": 'Look: <iframe src="https://evil.example/"></iframe>',
}


@pytest.mark.parametrize("name", ACTIVE)
def test_markup_is_refused_with_400_and_nothing_is_stored(content_client, _media_root, name):
    response = _upload(content_client, name, ACTIVE[name].encode(), "text/html")
    body = assert_error(response, 400, code="unsupported_file_type", attr="file")
    assert "markup" in body["errors"][0]["detail"] and name in body["errors"][0]["detail"]
    assert MediaFile.objects.count() == 0 and stored_files(_media_root) == []


def test_markup_after_the_first_chunk_and_across_a_chunk_boundary_is_refused(content_client):
    late = b"a,b\n" * (uploads.SCAN_CHUNK_BYTES // 2) + SCRIPT.encode()
    assert_error(_upload(content_client, "late.csv", late), 400, code="unsupported_file_type")
    padding = b"x" * (uploads.SCAN_CHUNK_BYTES - 4)  # "<scr" ends the first chunk
    assert_error(
        _upload(content_client, "split.txt", padding + SCRIPT.encode()), 400, code="unsupported_file_type"
    )


def test_text_that_only_mentions_angle_brackets_is_accepted(content_client):
    response = _upload(content_client, "maths.txt", b"3 < 4 and 5 > 2; <scripted> is not a tag\n")
    assert response.status_code == 201, response.content
    assert response.json()["results"][0]["mime_type"] == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "mime_type", "extension"),
    [
        ("x.html", gif_bytes() + f"<html>{SCRIPT}</html>".encode(), "image/gif", ".gif"),  # a polyglot
        ("evil.html", png_bytes(), "image/png", ".png"),
        ("datasheet.svg", PDF, "application/pdf", ".pdf"),
        ("readme.html", b"Just words, no markup.\n", "text/plain", ".txt"),
        ("prices.js", b"name,price\nTractor X,1499\nTiller,299\n", "text/csv", ".csv"),
        ("archive", b"PK\x03\x04" + b"\x00" * 60, "application/zip", ".zip"),
    ],
)
def test_the_stored_name_takes_the_extension_of_the_sniffed_type(
    content_client, name, content, mime_type, extension
):
    response = _upload(content_client, name, content, "text/html")
    assert response.status_code == 201, response.content
    item = response.json()["results"][0]
    media = MediaFile.objects.get(pk=item["id"])
    assert media.mime_type == mime_type and item["file_name"] == name  # kept for display only
    assert media.file.name.endswith(extension) and item["url"].endswith(extension)
    assert media.file.name.count(".") == 1


def test_active_types_cannot_be_allowed_by_configuration(content_client, settings):
    settings.MEDIA_ALLOWED_TYPES = [
        *settings.MEDIA_ALLOWED_TYPES,
        "text/html",
        "image/svg+xml",
        "application/xhtml+xml",
        "text/javascript",
    ]
    assert uploads.allowed_types() <= set(uploads.PASSIVE_TYPES)
    assert_error(
        _upload(content_client, "a.html", ACTIVE["report.html"].encode()), 400, code="unsupported_file_type"
    )
    (error,) = media_allowed_types_are_passive()
    assert error.id == "cms.E001"
    assert "text/html" in error.msg and "image/svg+xml" in error.msg


def test_the_default_configuration_passes_the_check():
    assert media_allowed_types_are_passive() == []


def test_every_passive_type_has_its_own_extension():
    extensions = list(uploads.PASSIVE_TYPES.values())
    assert len(set(extensions)) == len(extensions)
    for mime_type, extension in uploads.PASSIVE_TYPES.items():
        assert uploads.type_for_extension(f"media/2026/01/abc{extension}") == mime_type
    assert uploads.type_for_extension("media/2026/01/abc.html") is None
    assert uploads.type_for_extension("media/2026/01/abc") is None


def test_the_admin_refuses_markup_too(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    response = client.post(
        "/admin/cms/mediafile/add/",
        {
            "upload": SimpleUploadedFile("x.svg", ACTIVE["logo.svg"].encode(), "image/svg+xml"),
            "alt_text": "",
            "caption": "",
            "tags": "[]",
            "is_public": "on",
        },
    )
    assert response.status_code == 200 and "markup" in response.content.decode()
    assert MediaFile.objects.count() == 0
