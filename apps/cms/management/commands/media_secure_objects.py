"""manage.py media_secure_objects: once after upgrading, on S3, give the objects stored before
the media library named and labelled files by their sniffed type the safe Content-Type and
Content-Disposition (docs/media.md). Safe to run again; does nothing on local disk."""

from django.core.management.base import BaseCommand

from apps.cms.services import media_secure_stored_objects


class Command(BaseCommand):
    help = "Set the safe Content-Type/Content-Disposition on every stored S3 media object."

    def handle(self, *args, **options):
        count = media_secure_stored_objects()
        self.stdout.write(f"media: headers set on {count} stored object(s)")
