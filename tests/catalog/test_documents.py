"""GET/POST /api/v1/documents and GET /api/v1/documents/{id}/download."""

import pytest
from django.db.models import F

from apps.catalog.models import Document
from apps.core.models import ActivityLog
from tests.helpers import assert_error

from .factories import PDF_BYTES, DocumentFactory, MediaFileFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/documents"


@pytest.fixture
def documents():
    return {
        level: DocumentFactory(title=f"{level} doc", access_level=level)
        for level in Document.AccessLevel.values
    }


def titles(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return sorted(d["title"] for d in body["results"])


def download(client, document):
    return client.get(f"{URL}/{document.pk}/download")


# --- list ---------------------------------------------------------------------------------


def test_anonymous_lists_public_documents_only(api_client, documents):
    assert titles(api_client.get(URL)) == ["public doc"]


def test_customer_lists_public_and_authenticated_documents(auth_client, documents):
    assert titles(auth_client("customer").get(URL)) == ["authenticated doc", "public doc"]


@pytest.mark.parametrize("role", ["content", "support", "admin"])
def test_staff_list_every_document(auth_client, documents, role):
    assert titles(auth_client(role).get(URL)) == ["authenticated doc", "private doc", "public doc"]


def test_document_list_works_with_trailing_slash(api_client, documents):
    assert titles(api_client.get(URL + "/")) == ["public doc"]


def test_document_list_entry_fields(api_client, documents):
    [doc] = api_client.get(URL).json()["results"]
    assert doc["id"] == str(documents["public"].pk)
    assert doc["access_level"] == "public"
    assert doc["mime_type"] == "application/pdf"
    assert doc["size"] == len(PDF_BYTES)
    assert doc["download_count"] == 0
    assert doc["download_url"] == f"/api/v1/documents/{documents['public'].pk}/download"


# --- download -----------------------------------------------------------------------------


def streamed(response) -> bytes:
    """The body; consuming it lets the test client close the response (and the file) itself.
    (Closing it here would fire request_finished and drop the test's database connection.)"""
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


def test_download_streams_the_file_and_counts(api_client, documents):
    doc = documents["public"]
    response = download(api_client, doc)
    assert streamed(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert doc.file.file_name in response["Content-Disposition"]
    doc.refresh_from_db()
    assert doc.download_count == 1
    streamed(download(api_client, doc))
    doc.refresh_from_db()
    assert doc.download_count == 2


def test_download_count_is_an_atomic_increment(api_client, documents, monkeypatch):
    """A download counted by someone else between this view's read and its write is not lost:
    the count is bumped in the database (F() + 1), not written back from the row read earlier."""
    from apps.catalog import selectors

    doc = documents["public"]
    real_levels = selectors.visible_document_levels

    def concurrent_download_meanwhile(*, user):
        Document.objects.filter(pk=doc.pk).update(download_count=F("download_count") + 1)
        return real_levels(user=user)

    monkeypatch.setattr(selectors, "visible_document_levels", concurrent_download_meanwhile)
    streamed(download(api_client, doc))
    doc.refresh_from_db()
    assert doc.download_count == 2


def test_anonymous_download_of_an_authenticated_document_is_401(api_client, documents):
    assert_error(download(api_client, documents["authenticated"]), 401)
    documents["authenticated"].refresh_from_db()
    assert documents["authenticated"].download_count == 0


def test_anonymous_download_of_a_private_document_is_404(api_client, documents):
    assert_error(download(api_client, documents["private"]), 404)


def test_customer_downloads_an_authenticated_document(auth_client, documents):
    assert streamed(download(auth_client("customer"), documents["authenticated"])) == PDF_BYTES


def test_customer_download_of_a_private_document_is_404(auth_client, documents):
    assert_error(download(auth_client("customer"), documents["private"]), 404, code="not_found")
    documents["private"].refresh_from_db()
    assert documents["private"].download_count == 0


def test_staff_download_a_private_document(auth_client, documents):
    assert streamed(download(auth_client("sales"), documents["private"])) == PDF_BYTES
    documents["private"].refresh_from_db()
    assert documents["private"].download_count == 1


def test_download_of_an_unknown_document_is_404(api_client):
    response = api_client.get(f"{URL}/3f7c2d9e-0000-4000-8000-000000000000/download")
    assert_error(response, 404, code="not_found")


def test_download_works_with_trailing_slash(api_client, documents):
    streamed(api_client.get(f"{URL}/{documents['public'].pk}/download/"))


# --- upload -------------------------------------------------------------------------------


def test_content_role_creates_a_document(auth_client):
    media = MediaFileFactory()
    client = auth_client("content")
    response = client.post(
        URL,
        {
            "title": "Tiller brochure",
            "kind": "brochure",
            "file": str(media.pk),
            "access_level": "authenticated",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Tiller brochure"
    assert body["access_level"] == "authenticated"
    assert body["download_count"] == 0
    document = Document.objects.get(pk=body["id"])
    assert document.file == media
    log = ActivityLog.objects.get(entity_type="catalog.document")
    assert log.actor == client.user
    assert log.action == "create"


def test_customer_cannot_create_a_document(auth_client):
    media = MediaFileFactory()
    response = auth_client("customer").post(
        URL, {"title": "X", "file": str(media.pk), "access_level": "public"}, format="json"
    )
    assert_error(response, 403, code="permission_denied")
    assert not Document.objects.exists()


def test_anonymous_cannot_create_a_document(api_client):
    media = MediaFileFactory()
    response = api_client.post(URL, {"title": "X", "file": str(media.pk)}, format="json")
    assert_error(response, 401)


def test_document_with_a_bad_access_level_is_400(auth_client):
    media = MediaFileFactory()
    response = auth_client("content").post(
        URL, {"title": "X", "file": str(media.pk), "access_level": "secret"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="access_level")


def test_document_with_an_unknown_file_is_400(auth_client):
    response = auth_client("content").post(
        URL, {"title": "X", "file": "3f7c2d9e-0000-4000-8000-000000000000"}, format="json"
    )
    assert_error(response, 400, kind="validation_error", attr="file")
