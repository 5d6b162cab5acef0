import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test stores files in its own directory, to count what is left on disk."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


@pytest.fixture
def content_client(auth_client):
    return auth_client("content")


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def s3(s3, settings):
    """The shared moto fixture with the backend production uses (config/settings.py): objects
    carry the Content-Type and Content-Disposition of their stored name's type."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "BACKEND": "apps.cms.storage.MediaS3Storage"},
    }
    return s3
