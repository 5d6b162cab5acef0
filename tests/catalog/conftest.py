import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Files written by the catalog tests land in a throwaway directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
