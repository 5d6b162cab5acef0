import io
import struct
import zlib
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from apps.cms.markdown import render_markdown
from apps.cms.models import MediaFile, NewsArticle, Page

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF"


def gif_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (3, 2), (0, 0, 255)).save(buf, format="GIF")
    return buf.getvalue()


def png_bytes(width: int = 4, height: int = 3, color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_bytes(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny, well-formed PNG whose IHDR declares ``width`` x ``height`` pixels (correct
    CRCs; one small IDAT), as a decompression bomb would."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


class NewsArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsArticle

    title = factory.Sequence(lambda n: f"Tractor news {n}")
    slug = factory.Sequence(lambda n: f"tractor-news-{n}")
    summary = factory.Faker("sentence")
    content = "## Heading\n\nSome **text**."
    content_html = factory.LazyAttribute(lambda o: render_markdown(o.content))
    category = NewsArticle.Category.COMPANY_UPDATE
    tags = factory.LazyFunction(list)
    status = NewsArticle.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    slug = factory.Sequence(lambda n: f"page-{n}")
    title = factory.Sequence(lambda n: f"Page {n}")
    content = "Hello"
    content_html = "<p>Hello</p>"
    is_published = True


class MediaFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaFile

    file_name = "photo.png"
    file_type = MediaFile.FileType.IMAGE
    mime_type = "image/png"
    width = 4
    height = 3
    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="photo.png"))
    size = factory.LazyAttribute(lambda o: o.file.size)
