import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms.models import MediaFile
from tests.helpers import assert_error

from .conftest import stored_files
from .factories import MediaFileFactory, NewsArticleFactory, png_bomb_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _file(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_valid_png_is_stored_with_dimensions(content_client, _media_root):
    response = content_client.post(
        "/api/v1/media",
        {"file": _file("tractor.png", png_bytes(7, 5)), "alt_text": "Red tractor", "tags": ["tractors"]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (item,) = response.json()["results"]
    assert (item["file_type"], item["mime_type"], item["width"], item["height"]) == (
        "image",
        "image/png",
        7,
        5,
    )
    assert item["file_name"] == "tractor.png" and item["alt_text"] == "Red tractor"
    assert item["url"].startswith("/media/media/")
    assert len(stored_files(_media_root)) == 1


def test_many_files_under_file_and_files(content_client, _media_root):
    response = content_client.post(
        "/api/v1/media",
        {
            "files": [_file("a.png", png_bytes()), _file("notes.txt", b"hello\n", "text/plain")],
            "file": _file("spec.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    kinds = sorted((r["file_name"], r["file_type"], r["mime_type"]) for r in response.json()["results"])
    assert kinds == [
        ("a.png", "image", "image/png"),
        ("notes.txt", "document", "text/plain"),
        ("spec.pdf", "document", "application/pdf"),
    ]
    assert len(stored_files(_media_root)) == 3


@pytest.mark.parametrize(
    "payload",
    [
        b"MZ\x90\x00" + b"\x00" * 200,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
        b"\x7fELF\x02\x01\x01",  # a truncated header: no NUL byte to give it away
        b"MZ\x90",
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",  # Mach-O
        b"#!/bin/sh\nrm -rf ~\n",  # a script
        b"plain words\x1b[31m and an escape sequence",  # control characters are not text
    ],
)
def test_executable_renamed_png_is_rejected(content_client, _media_root, payload):
    response = content_client.post(
        "/api/v1/media", {"file": _file("cute-cat.png", payload)}, format="multipart"
    )
    assert_error(response, 400, code="unsupported_file_type")
    assert MediaFile.objects.count() == 0
    assert stored_files(_media_root) == []


def test_oversized_file_is_413(content_client, settings, _media_root):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    response = content_client.post(
        "/api/v1/media", {"file": _file("big.txt", b"a" * 1001, "text/plain")}, format="multipart"
    )
    assert_error(response, 413, code="file_too_large")
    assert MediaFile.objects.count() == 0


def test_image_bomb_is_rejected_quickly_without_allocating_pixels(content_client, _media_root):
    bomb = png_bomb_bytes(100_000, 100_000)
    assert len(bomb) < 200
    tracemalloc.start()
    started = time.monotonic()
    response = content_client.post("/api/v1/media", {"file": _file("bomb.png", bomb)}, format="multipart")
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert_error(response, 400, code="image_too_large")
    assert elapsed < 2
    assert peak < 50 * 1024 * 1024  # 10^10 pixels would be 30 GB
    assert MediaFile.objects.count() == 0 and stored_files(_media_root) == []


def test_image_over_the_configured_pixel_limit_is_rejected(content_client, settings):
    settings.MEDIA_MAX_IMAGE_PIXELS = 100
    response = content_client.post(
        "/api/v1/media", {"file": _file("a.png", png_bytes(20, 20))}, format="multipart"
    )
    assert_error(response, 400, code="image_too_large")


def test_one_bad_file_stores_nothing(content_client, _media_root):
    response = content_client.post(
        "/api/v1/media",
        {
            "files": [
                _file("a.png", png_bytes()),
                _file("b.png", png_bytes(2, 2)),
                _file("evil.png", b"MZ" + b"\x00" * 100),
            ]
        },
        format="multipart",
    )
    assert_error(response, 400, code="unsupported_file_type")
    assert MediaFile.objects.count() == 0
    assert stored_files(_media_root) == []


def test_storage_failure_midway_leaves_no_orphans(content_client, _media_root, monkeypatch):
    from apps.cms.services import media as media_services

    calls = {"n": 0}
    real = media_services.activity_record

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(media_services, "activity_record", failing)
    with pytest.raises(RuntimeError):
        content_client.post(
            "/api/v1/media",
            {"files": [_file("a.png", png_bytes()), _file("b.png", png_bytes())]},
            format="multipart",
        )
    assert MediaFile.objects.count() == 0
    assert stored_files(_media_root) == []


def test_no_file_is_400(content_client):
    assert_error(content_client.post("/api/v1/media", {"alt_text": "x"}, format="multipart"), 400)


def test_permissions(api_client, auth_client):
    assert_error(api_client.get("/api/v1/media"), 401)
    assert_error(
        api_client.post("/api/v1/media", {"file": _file("a.png", png_bytes())}, format="multipart"), 401
    )
    assert_error(auth_client("customer").get("/api/v1/media"), 403)
    assert_error(
        auth_client("sales").post("/api/v1/media", {"file": _file("a.png", png_bytes())}, format="multipart"),
        403,
    )
    assert auth_client("admin").get("/api/v1/media").status_code == 200


def test_list_filters_and_detail(content_client):
    image = MediaFileFactory(file_name="tractor.png")
    MediaFileFactory(file_name="manual.pdf", file_type="document", mime_type="application/pdf")
    body = content_client.get("/api/v1/media?file_type=image").json()
    assert [r["id"] for r in body["results"]] == [str(image.id)]
    body = content_client.get("/api/v1/media?search=manual").json()
    assert [r["file_name"] for r in body["results"]] == ["manual.pdf"]
    assert_error(content_client.get("/api/v1/media?file_type=spreadsheet"), 400, kind="validation_error")
    assert content_client.get(f"/api/v1/media/{image.id}").json()["width"] == 4


def test_delete_removes_the_stored_file(content_client, _media_root, django_capture_on_commit_callbacks):
    response = content_client.post("/api/v1/media", {"file": _file("a.png", png_bytes())}, format="multipart")
    media_id = response.json()["results"][0]["id"]
    assert len(stored_files(_media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert content_client.delete(f"/api/v1/media/{media_id}").status_code == 204
    assert not MediaFile.objects.filter(pk=media_id).exists()
    assert stored_files(_media_root) == []
    assert_error(content_client.get(f"/api/v1/media/{media_id}"), 404)


def test_media_used_by_an_article_is_409_naming_it(content_client, _media_root):
    image = MediaFileFactory()
    NewsArticleFactory(title="Harvest season starts", featured_image=image)
    NewsArticleFactory(title="SEO card", og_image=image)
    response = content_client.delete(f"/api/v1/media/{image.id}")
    body = assert_error(response, 409, code="media_in_use")
    detail = body["errors"][0]["detail"]
    assert "Harvest season starts" in detail and "SEO card" in detail
    assert MediaFile.objects.filter(pk=image.pk).exists()
    assert len(stored_files(_media_root)) == 1


def test_presigned_is_unavailable_on_local_disk(content_client):
    response = content_client.post(
        "/api/v1/media/presigned",
        {"file_name": "v.mp4", "content_type": "video/mp4", "size": 10},
        format="json",
    )
    assert_error(response, 400, code="presigned_unavailable")
    assert MediaFile.objects.count() == 0
