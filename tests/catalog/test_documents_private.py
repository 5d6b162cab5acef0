"""The files of documents that are not public are never served by the public media URL: only
the download endpoint's checks (or a signed, expiring URL) hand them out, on local disk as on
S3. The document's file becomes private when the document is created or changed to a level
that is not public."""

from urllib.parse import parse_qs, urlparse

import pytest
import urllib3
from django.core.files.storage import storages

from apps.catalog.models import Document
from apps.cms.serving import MEDIA_CSP
from tests.helpers import assert_error

from .factories import PDF_BYTES, DocumentFactory, MediaFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def media_path(media) -> str:
    return storages["default"].url(media.file.name)


def _create(client, media, access_level):
    response = client.post(
        "/api/v1/documents",
        {"title": "Price list", "file": str(media.pk), "access_level": access_level},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Document.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("access_level", ["authenticated", "private"])
def test_a_restricted_documents_file_is_not_served_by_its_media_path(api_client, auth_client, access_level):
    media = MediaFileFactory()
    path = media_path(media)
    assert b"".join(api_client.get(path).streaming_content) == PDF_BYTES  # public until used

    document = _create(auth_client("content"), media, access_level)
    media.refresh_from_db()
    assert media.is_public is False
    assert api_client.get(path).status_code == 404
    assert auth_client("customer").get(path).status_code == 404

    # The download endpoint still hands it to whoever may read the document.
    reader = auth_client("customer" if access_level == "authenticated" else "sales")
    response = reader.get(f"/api/v1/documents/{document.pk}/download")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert_error(
        api_client.get(f"/api/v1/documents/{document.pk}/download"),
        401 if access_level == "authenticated" else 404,
    )


def test_a_public_documents_file_stays_public(api_client, auth_client):
    media = MediaFileFactory()
    _create(auth_client("content"), media, "public")
    media.refresh_from_db()
    assert media.is_public is True
    assert api_client.get(media_path(media)).status_code == 200


def test_the_media_api_gives_a_restricted_documents_file_a_signed_url(api_client, auth_client):
    media = MediaFileFactory()
    client = auth_client("content")
    _create(client, media, "private")
    url = client.get(f"/api/v1/media/{media.pk}").json()["url"]
    assert url.startswith(media_path(media) + "?signature=")
    assert b"".join(api_client.get(url).streaming_content) == PDF_BYTES


def test_changing_a_document_to_private_in_the_admin_makes_its_file_private(client, api_client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    document = DocumentFactory(access_level="public")
    path = media_path(document.file)
    assert api_client.get(path).status_code == 200
    response = client.post(
        f"/admin/catalog/document/{document.pk}/change/",
        {
            "title": document.title,
            "description": "",
            "kind": document.kind,
            "file": str(document.file.pk),
            "category": "",
            "product": "",
            "access_level": "private",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document.file.refresh_from_db()
    assert document.file.is_public is False
    assert api_client.get(path).status_code == 404


def test_adding_a_restricted_document_in_the_admin_makes_its_file_private(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    media = MediaFileFactory()
    response = client.post(
        "/admin/catalog/document/add/",
        {
            "title": "Dealer prices",
            "description": "",
            "kind": "other",
            "file": str(media.pk),
            "category": "",
            "product": "",
            "access_level": "authenticated",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    media.refresh_from_db()
    assert media.is_public is False


def test_download_on_s3_redirects_to_a_url_of_media_private_url_seconds(s3, api_client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "BACKEND": "apps.cms.storage.MediaS3Storage"},
    }
    settings.MEDIA_PRIVATE_URL_SECONDS = 240
    document = DocumentFactory(access_level="public")
    response = api_client.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 302
    assert parse_qs(urlparse(response["Location"]).query)["X-Amz-Expires"] == ["240"]
    fetched = urllib3.PoolManager().request("GET", response["Location"])
    assert fetched.status == 200 and fetched.data == PDF_BYTES
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == "attachment"


def test_a_restricted_documents_file_cannot_be_made_public_again(api_client, auth_client):
    """The media library (its admin, through media_update) used to let an editor tick "public" on
    such a file, which served it to anyone again; the documents keeping it private are named."""
    from apps.cms.services import media_update
    from apps.core.errors import Conflict

    media = MediaFileFactory()
    document = _create(auth_client("content"), media, "authenticated")
    media.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        media_update(media=media, data={"is_public": True})
    assert refused.value.code == "media_restricted" and "Price list" in str(refused.value.detail)
    media.refresh_from_db()
    assert media.is_public is False and api_client.get(media_path(media)).status_code == 404
    # Other changes still go through, and once the document is public the file may be too.
    assert media_update(media=media, data={"alt_text": "Prices"}).alt_text == "Prices"
    Document.objects.filter(pk=document.pk).update(access_level="public")
    assert media_update(media=media, data={"is_public": True}).is_public is True
    assert api_client.get(media_path(media)).status_code == 200


def test_the_media_admin_refuses_to_make_a_restricted_documents_file_public(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    document = DocumentFactory(access_level="private")
    media = document.file
    media.is_public = False
    media.save(update_fields=["is_public"])
    response = client.post(
        f"/admin/cms/mediafile/{media.pk}/change/",
        {
            "alt_text": "",
            "caption": "",
            "tags": "[]",
            "is_public": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "stays private" in response.content.decode()
    media.refresh_from_db()
    assert media.is_public is False
