"""Document downloads on S3 (moto's server on loopback): counted, then redirected to a
signed URL that works for 5 minutes."""

from urllib.parse import parse_qs, urlparse

import pytest
import urllib3
from django.core.files.base import ContentFile

from apps.catalog.models import Document
from apps.cms.models import MediaFile

pytestmark = pytest.mark.django_db


def test_download_redirects_to_a_five_minute_signed_url(s3, api_client):
    media = MediaFile(
        file_name="sheet.pdf", file_type="document", mime_type="application/pdf", is_public=False, size=8
    )
    media.file.save("sheet.pdf", ContentFile(b"%PDF-1.4"), save=False)
    media.save()
    document = Document.objects.create(title="Sheet", file=media, access_level="public")

    response = api_client.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 302
    url = response["Location"]
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query
    fetched = urllib3.PoolManager().request("GET", url)
    assert fetched.status == 200 and fetched.data == b"%PDF-1.4"
    document.refresh_from_db()
    assert document.download_count == 1
