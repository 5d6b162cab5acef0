from rest_framework import serializers

from apps.cms.models import MediaFile, NewsArticle, Page
from apps.cms.storage import file_url


class MediaFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Public files: the storage URL; private files: a short-lived signed URL."
    )

    class Meta:
        model = MediaFile
        fields = [
            "id",
            "url",
            "file_name",
            "file_type",
            "mime_type",
            "size",
            "width",
            "height",
            "alt_text",
            "caption",
            "tags",
            "is_public",
            "status",
            "uploaded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str | None:
        if obj.status != MediaFile.Status.READY:
            return None
        return file_url(obj.file.name, public=obj.is_public)


class MediaRefSerializer(serializers.Serializer):
    """A media file as embedded in articles and pages."""

    id = serializers.UUIDField()
    url = serializers.CharField(allow_null=True)
    alt_text = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def to_representation(self, obj):
        return {
            "id": str(obj.id),
            "url": file_url(obj.file.name, public=obj.is_public),
            "alt_text": obj.alt_text,
            "width": obj.width,
            "height": obj.height,
        }


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=50)
    max_length = 20


class MediaUploadSerializer(serializers.Serializer):
    """multipart/form-data: one or many files in ``file`` or ``files``; the other fields
    apply to every file of the request."""

    file = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="One or more files."
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="One or more files (same as `file`)."
    )
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True)
    caption = serializers.CharField(max_length=500, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    is_public = serializers.BooleanField(required=False, default=True)


class MediaUploadResponseSerializer(serializers.Serializer):
    results = MediaFileSerializer(many=True)


class PresignedInputSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=100)
    size = serializers.IntegerField(min_value=1)
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True)
    caption = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False, default=True)

    def validate_content_type(self, value):
        return value.strip().lower()


class PresignedOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        help_text="The pending media file; POST /media/{id}/complete after the upload."
    )
    url = serializers.URLField(help_text="POST the form here (multipart).")
    fields = serializers.DictField(
        child=serializers.CharField(), help_text="Form fields to send before the file field."
    )
    key = serializers.CharField()
    expires_in = serializers.IntegerField()
    max_size = serializers.IntegerField()


class AuthorSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()


class NewsListSerializer(serializers.ModelSerializer):
    featured_image = MediaRefSerializer(allow_null=True, read_only=True)
    author = serializers.SerializerMethodField()

    class Meta:
        model = NewsArticle
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "category",
            "tags",
            "featured_image",
            "author",
            "status",
            "publish_at",
            "published_at",
            "views_count",
        ]
        read_only_fields = fields

    def get_author(self, obj) -> AuthorSerializer(allow_null=True):
        if obj.author is None:
            return None
        return {"id": str(obj.author.id), "full_name": obj.author.full_name}


class NewsDetailSerializer(NewsListSerializer):
    og_image = MediaRefSerializer(allow_null=True, read_only=True)

    class Meta(NewsListSerializer.Meta):
        fields = [
            *NewsListSerializer.Meta.fields,
            "content",
            "content_html",
            "seo_title",
            "seo_description",
            "og_image",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class NewsWriteSerializer(serializers.ModelSerializer):
    featured_image = serializers.PrimaryKeyRelatedField(
        queryset=MediaFile.objects.filter(status=MediaFile.Status.READY),
        required=False,
        allow_null=True,
    )
    og_image = serializers.PrimaryKeyRelatedField(
        queryset=MediaFile.objects.filter(status=MediaFile.Status.READY),
        required=False,
        allow_null=True,
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    status = serializers.ChoiceField(
        choices=NewsArticle.Status.choices,
        required=False,
        help_text="scheduled needs publish_at in the future.",
    )

    class Meta:
        model = NewsArticle
        fields = [
            "title",
            "summary",
            "content",
            "category",
            "tags",
            "featured_image",
            "status",
            "publish_at",
            "seo_title",
            "seo_description",
            "og_image",
        ]


class PageSerializer(serializers.ModelSerializer):
    og_image = MediaRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Page
        fields = [
            "id",
            "slug",
            "title",
            "content",
            "content_html",
            "is_published",
            "seo_title",
            "seo_description",
            "og_image",
            "updated_at",
        ]
        read_only_fields = fields
