"""The media library against a real S3 API: moto's server on localhost (no internet)."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import urllib3
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms.models import MediaFile
from tests.conftest import S3_TEST_BUCKET as BUCKET
from tests.helpers import assert_error

from .factories import png_bytes

pytestmark = pytest.mark.django_db


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_stores_the_object_and_delete_removes_it(
    s3, content_client, django_capture_on_commit_callbacks
):
    content = png_bytes(9, 4)
    response = content_client.post(
        "/api/v1/media", {"file": SimpleUploadedFile("loader.png", content, "image/png")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    item = response.json()["results"][0]
    media = MediaFile.objects.get(pk=item["id"])
    assert _keys(s3) == [media.file.name]
    assert s3.get_object(Bucket=BUCKET, Key=media.file.name)["Body"].read() == content
    assert (item["width"], item["height"]) == (9, 4)

    with django_capture_on_commit_callbacks(execute=True):
        assert content_client.delete(f"/api/v1/media/{media.id}").status_code == 204
    assert _keys(s3) == []


def test_one_bad_file_leaves_nothing_in_the_bucket(s3, content_client):
    response = content_client.post(
        "/api/v1/media",
        {
            "files": [
                SimpleUploadedFile("a.png", png_bytes(), "image/png"),
                SimpleUploadedFile("b.png", b"\x7fELF" + b"\x00" * 64, "image/png"),
            ]
        },
        format="multipart",
    )
    assert_error(response, 400, code="unsupported_file_type")
    assert _keys(s3) == [] and MediaFile.objects.count() == 0


def test_private_file_signed_url_downloads_the_bytes(s3, content_client):
    content = b"name,price\nTractor X,1499.00\n"
    response = content_client.post(
        "/api/v1/media",
        {"file": SimpleUploadedFile("prices.csv", content, "text/csv"), "is_public": "false"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    item = response.json()["results"][0]
    assert item["is_public"] is False and item["mime_type"] == "text/csv"
    assert "X-Amz-Signature=" in item["url"]
    http = urllib3.PoolManager()
    downloaded = http.request("GET", item["url"])
    assert downloaded.status == 200 and downloaded.data == content
    # Without the signature the object is not readable.
    unsigned = http.request("GET", item["url"].split("?")[0])
    assert unsigned.status == 403


def _presign(client, content, **extra):
    return client.post(
        "/api/v1/media/presigned",
        {
            "file_name": "walkaround.png",
            "content_type": "image/png",
            "size": len(content),
            **extra,
        },
        format="json",
    )


def _post_to_s3(presigned, content, content_type="image/png"):
    fields = dict(presigned["fields"])
    fields["file"] = ("walkaround.png", content, content_type)
    return urllib3.PoolManager().request("POST", presigned["url"], fields=fields)


def test_presigned_upload_then_complete_marks_ready(s3, content_client):
    content = png_bytes(12, 8)
    response = _presign(content_client, content)
    assert response.status_code == 201, response.content
    presigned = response.json()
    media = MediaFile.objects.get(pk=presigned["id"])
    assert media.status == MediaFile.Status.PENDING and presigned["key"] == media.file.name
    assert presigned["fields"]["key"] == presigned["key"]

    # Completing before the upload: the object is not there yet.
    assert_error(content_client.post(f"/api/v1/media/{media.id}/complete"), 400, code="upload_missing")

    upload = _post_to_s3(presigned, content)
    assert upload.status in (200, 201, 204), upload.data
    done = content_client.post(f"/api/v1/media/{media.id}/complete/")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["size"], body["width"], body["height"], body["file_type"]) == (
        "ready",
        len(content),
        12,
        8,
        "image",
    )
    assert urllib3.PoolManager().request("GET", body["url"]).data == content
    # Completing again changes nothing.
    assert content_client.post(f"/api/v1/media/{media.id}/complete").json()["status"] == "ready"


def test_presigned_upload_of_a_disallowed_type_is_deleted(
    s3, content_client, django_capture_on_commit_callbacks
):
    content = b"MZ" + b"\x00" * 100
    presigned = _presign(content_client, content).json()
    assert _post_to_s3(presigned, content).status in (200, 201, 204)
    with django_capture_on_commit_callbacks(execute=True):
        response = content_client.post(f"/api/v1/media/{presigned['id']}/complete")
    assert_error(response, 400, code="unsupported_file_type")
    assert not MediaFile.objects.filter(pk=presigned["id"]).exists()
    assert _keys(s3) == []


def test_presigned_size_mismatch_and_limits(s3, content_client, settings):
    content = png_bytes()
    presigned = _presign(content_client, content + b"1234").json()  # declares 4 bytes more
    assert _post_to_s3(presigned, content).status in (200, 201, 204)
    assert_error(content_client.post(f"/api/v1/media/{presigned['id']}/complete"), 400, code="size_mismatch")

    settings.MEDIA_MAX_UPLOAD_BYTES = 10
    assert_error(_presign(content_client, content), 413, code="file_too_large")
    settings.MEDIA_MAX_UPLOAD_BYTES = 10_000_000
    assert_error(
        _presign(content_client, content, content_type="application/x-msdownload"),
        400,
        code="unsupported_file_type",
    )


def test_presigned_policy_pins_key_type_size_and_expiry(s3, content_client):
    """moto does not enforce POST policies, so the signed policy itself is checked."""
    content = png_bytes()
    presigned = _presign(content_client, content).json()
    policy = json.loads(base64.b64decode(presigned["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": presigned["key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, len(content)] in conditions
    assert {"bucket": BUCKET} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    assert presigned["fields"]["Content-Type"] == "image/png"
