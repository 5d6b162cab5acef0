"""catalog 0004: the media files of documents that are not public become private (runs on
SQLite and, in CI's second run, on PostgreSQL)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0003_product_status_counts"), ("cms", "0003_media_file_index")]
AFTER = [("catalog", "0004_private_document_files")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_files_of_documents_that_are_not_public_become_private():
    old = _migrate(BEFORE)
    MediaFile, Document = old.get_model("cms", "MediaFile"), old.get_model("catalog", "Document")

    def media(name, *, is_public=True):
        return MediaFile.objects.create(
            file=f"media/2024/01/{name}",
            file_name=name,
            file_type="document",
            mime_type="application/pdf",
            size=1,
            is_public=is_public,
            status="ready",
        )

    files = {level: media(f"{level}.pdf") for level in ("public", "authenticated", "private")}
    for level, file in files.items():
        Document.objects.create(title=level, file=file, access_level=level, kind="datasheet")
    shared = media("shared.pdf")  # used by a public and a private document
    Document.objects.create(title="shared public", file=shared, access_level="public", kind="other")
    Document.objects.create(title="shared private", file=shared, access_level="private", kind="other")
    unused = media("unused.pdf")
    already = media("already.pdf", is_public=False)

    new = _migrate(AFTER)
    public = dict(new.get_model("cms", "MediaFile").objects.values_list("file_name", "is_public"))
    assert public == {
        "public.pdf": True,
        "authenticated.pdf": False,
        "private.pdf": False,
        "shared.pdf": False,
        "unused.pdf": True,
        "already.pdf": False,
    }
    assert {unused.file_name, already.file_name} <= set(public)

    # Back and forth again: nothing is made public on the way back.
    _migrate(BEFORE)
    again = _migrate(AFTER)
    assert again.get_model("cms", "MediaFile").objects.get(file_name="private.pdf").is_public is False
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
