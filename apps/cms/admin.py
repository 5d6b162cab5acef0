from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.core.admin import ActivityLoggedAdminMixin
from apps.core.errors import ApplicationError

from . import services, uploads
from .markdown import render_markdown
from .models import MediaFile, NewsArticle, Page
from .storage import file_url


def _copy_saved(obj, saved) -> None:
    """The admin keeps using its own instance after save_model: give it the saved state."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class NewsArticleForm(forms.ModelForm):
    class Meta:
        model = NewsArticle
        fields = [
            "title",
            "summary",
            "content",
            "category",
            "tags",
            "status",
            "publish_at",
            "featured_image",
            "seo_title",
            "seo_description",
            "og_image",
        ]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        changed = {"status", "publish_at"} & set(self.changed_data)
        if status and changed:
            try:
                services.news_validate_schedule(status=status, publish_at=data.get("publish_at"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


@admin.register(NewsArticle)
class NewsArticleAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    form = NewsArticleForm
    list_display = ("title", "status", "category", "published_at", "publish_at", "views_count", "author")
    list_filter = ("status", "category")
    search_fields = ("title", "summary", "content", "slug")
    date_hierarchy = "created_at"
    list_select_related = ("author",)
    raw_id_fields = ("featured_image", "og_image")
    readonly_fields = (
        "slug",
        "published_at",
        "views_count",
        "author",
        "rendered_preview",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "tags", "summary", "featured_image")}),
        ("Content (Markdown)", {"fields": ("content", "rendered_preview")}),
        ("Publishing", {"fields": ("status", "publish_at", "published_at", "author", "views_count")}),
        ("SEO", {"fields": ("seo_title", "seo_description", "og_image"), "classes": ("collapse",)}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    actions = ["publish_selected", "unpublish_selected"]

    @admin.display(description="Preview (sanitised HTML)")
    def rendered_preview(self, obj):
        html = obj.content_html if obj and obj.pk else ""
        if obj and obj.pk and not html and obj.content:
            html = render_markdown(obj.content)
        # content_html is sanitised by the service (nh3 allow-list) before it is stored.
        return mark_safe(f'<div class="cms-preview">{html}</div>') if html else "-"  # noqa: S308

    def save_model(self, request, obj, form, change):
        # News writes go through the services (slug, Markdown, status rules, activity log).
        fields = [f for f in services.NEWS_FIELDS if f in form.cleaned_data]
        if change:
            data = {f: form.cleaned_data[f] for f in fields if f in form.changed_data}
            saved = services.news_update(article=obj, data=data, actor=request.user)
        else:
            data = {f: form.cleaned_data[f] for f in fields}
            saved = services.news_create(data=data, actor=request.user)
        _copy_saved(obj, saved)

    @admin.action(description="Publish selected articles now")
    def publish_selected(self, request, queryset):
        for article in queryset:
            services.news_publish(article=article, actor=request.user)
        self.message_user(request, f"{queryset.count()} article(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles (back to draft)")
    def unpublish_selected(self, request, queryset):
        for article in queryset:
            services.news_unpublish(article=article, actor=request.user)
        self.message_user(request, f"{queryset.count()} article(s) unpublished.", messages.SUCCESS)


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["slug", "title", "content", "is_published", "seo_title", "seo_description", "og_image"]


@admin.register(Page)
class PageAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    form = PageForm
    list_display = ("slug", "title", "is_published", "updated_at")
    list_filter = ("is_published",)
    search_fields = ("slug", "title", "content")
    prepopulated_fields = {"slug": ("title",)}
    raw_id_fields = ("og_image",)
    readonly_fields = ("rendered_preview", "created_at", "updated_at")

    @admin.display(description="Preview (sanitised HTML)")
    def rendered_preview(self, obj):
        html = obj.content_html if obj and obj.pk else ""
        return mark_safe(f'<div class="cms-preview">{html}</div>') if html else "-"  # noqa: S308

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.PAGE_FIELDS if f in form.cleaned_data}
        if change:
            data = {f: v for f, v in data.items() if f in form.changed_data}
            saved = services.page_update(page=obj, data=data, actor=request.user)
        else:
            saved = services.page_create(data=data, actor=request.user)
        _copy_saved(obj, saved)


class MediaFileAddForm(forms.ModelForm):
    upload = forms.FileField(help_text="The type is detected from the content; size-limited.")

    class Meta:
        model = MediaFile
        fields = ["alt_text", "caption", "tags", "is_public"]

    def clean_upload(self):
        f = self.cleaned_data["upload"]
        try:
            uploads.inspect_upload(f, name=f.name, size=f.size)
        except ApplicationError as exc:
            raise ValidationError(exc.detail, code=exc.code) from exc
        return f


class MediaFileChangeForm(forms.ModelForm):
    class Meta:
        model = MediaFile
        fields = ["alt_text", "caption", "tags", "is_public"]

    def clean_is_public(self):
        is_public = self.cleaned_data["is_public"]
        if is_public:
            try:
                services.media_check_publishable(media=MediaFile.objects.get(pk=self.instance.pk))
            except ApplicationError as exc:
                raise ValidationError(exc.detail, code=exc.code) from exc
        return is_public


# What the media library's change page shows of the stored file, read-only.
MEDIA_FILE_FIELDS = (
    "file",
    "file_type",
    "mime_type",
    "size",
    "width",
    "height",
    "status",
    "uploaded_by",
    "created_at",
    "updated_at",
)


@admin.register(MediaFile)
class MediaFileAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "file_name",
        "file_type",
        "mime_type",
        "size",
        "dimensions",
        "is_public",
        "status",
        "created_at",
    )
    list_filter = ("file_type", "status", "is_public")
    search_fields = ("file_name", "alt_text", "caption")
    date_hierarchy = "created_at"
    readonly_fields = ("preview", "file_name", *MEDIA_FILE_FIELDS)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MediaFileChangeForm if obj is not None else MediaFileAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("upload", "alt_text", "caption", "tags", "is_public")}),)
        return (
            (None, {"fields": ("preview", "file_name", "alt_text", "caption", "tags", "is_public")}),
            ("File", {"fields": MEDIA_FILE_FIELDS}),
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def _url(self, obj):
        if obj.status != MediaFile.Status.READY:
            return None
        return file_url(obj.file.name, public=obj.is_public)

    @admin.display(description="")
    def thumbnail(self, obj):
        url = self._url(obj)
        if obj.file_type == MediaFile.FileType.IMAGE and url:
            return format_html(
                '<img src="{}" alt="" loading="lazy" '
                'style="max-height:48px;max-width:80px;object-fit:cover">',
                url,
            )
        return obj.get_file_type_display()

    @admin.display(description="Preview")
    def preview(self, obj):
        url = self._url(obj)
        if obj.file_type == MediaFile.FileType.IMAGE and url:
            return format_html('<img src="{}" alt="" style="max-width:480px">', url)
        return format_html('<a href="{}">{}</a>', url, obj.file_name) if url else "-"

    @admin.display(description="Size (px)")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height}" if obj.width and obj.height else "-"

    def save_model(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in services.MEDIA_META_FIELDS if f in form.changed_data}
            saved = services.media_update(media=obj, data=data, actor=request.user)
        else:
            meta = {f: form.cleaned_data[f] for f in services.MEDIA_META_FIELDS if f in form.cleaned_data}
            saved = services.media_upload(files=[form.cleaned_data["upload"]], data=meta, actor=request.user)[
                0
            ]
        _copy_saved(obj, saved)

    def delete_model(self, request, obj):
        services.media_delete(media=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for media in queryset:
            services.media_delete(media=media, actor=request.user)
