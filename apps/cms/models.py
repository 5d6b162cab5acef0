import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.models import SeoFields, TimeStampedModel

from .uploads import extension_for


def media_key(mime_type: str) -> str:
    """A new storage key, media/<yyyy>/<mm>/<uuid><ext>, whose extension comes from the
    sniffed (or, for presigned uploads, declared and later verified) type: never from the
    client's file name, so a file is never stored, nor served, as .html or .svg."""
    now = timezone.now()
    return f"media/{now:%Y/%m}/{uuid.uuid4().hex}{extension_for(mime_type)}"


def media_upload_to(instance, filename: str) -> str:
    """The FileField's upload_to: the key for ``instance.mime_type``; the client's name is
    kept in ``file_name`` for display only."""
    return media_key(instance.mime_type)


class MediaFile(TimeStampedModel):
    """The media library: every uploaded file (images, video, documents, 3D models)."""

    class FileType(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        DOCUMENT = "document", "Document"
        MODEL_3D = "3d_model", "3D model"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending upload"  # presigned upload not completed yet
        READY = "ready", "Ready"

    file = models.FileField(upload_to=media_upload_to, max_length=500, db_index=True)
    file_name = models.CharField(max_length=255, help_text="The original file name.")
    file_type = models.CharField(max_length=16, choices=FileType.choices, db_index=True)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.CharField(max_length=255, blank=True)
    caption = models.CharField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Public files have a public URL; private ones signed URLs only."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_files",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name


class NewsArticle(SeoFields, TimeStampedModel):
    class Category(models.TextChoices):
        PRESS_RELEASE = "press_release", "Press release"
        INDUSTRY_NEWS = "industry_news", "Industry news"
        COMPANY_UPDATE = "company_update", "Company update"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.TextField(blank=True)
    content = models.TextField(blank=True, help_text="Markdown.")
    content_html = models.TextField(
        blank=True, editable=False, help_text="Sanitised HTML rendered from the Markdown."
    )
    featured_image = models.ForeignKey(
        "cms.MediaFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="featured_in_articles",
    )
    category = models.CharField(max_length=32, choices=Category.choices, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news_articles",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    views_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["status", "publish_at"]),
        ]

    def __str__(self):
        return self.title


class Page(SeoFields, TimeStampedModel):
    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(max_length=200)
    content = models.TextField(blank=True, help_text="Markdown.")
    content_html = models.TextField(blank=True, editable=False)
    is_published = models.BooleanField(default=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title
