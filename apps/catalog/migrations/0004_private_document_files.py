"""The files of documents that are not public become private media files: the public media
URL refuses them from now on, and only the download endpoint (or a signed, expiring URL) hands
them out. Files are never made public again on the way back: that would expose them."""

from django.db import migrations


def make_files_of_restricted_documents_private(apps, schema_editor):
    Document = apps.get_model("catalog", "Document")
    MediaFile = apps.get_model("cms", "MediaFile")
    restricted = Document.objects.exclude(access_level="public").values("file_id")
    MediaFile.objects.filter(pk__in=restricted, is_public=True).update(is_public=False)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_product_status_counts"),
        ("cms", "0003_media_file_index"),
    ]

    operations = [
        migrations.RunPython(make_files_of_restricted_documents_private, migrations.RunPython.noop),
    ]
