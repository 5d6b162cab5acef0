from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin import ActivityLoggedAdminMixin
from apps.core.errors import ApplicationError

from . import selectors
from .models import Broadcast, EmailMessage, Notification, NotificationPreference, SmsMessage, Suppression
from .rest_api.v1.serializers import AUDIENCES
from .services import broadcasts, outbox


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never added, edited or deleted by hand.
    (Changelist actions still need the change permission, hence ``obj is None``.)"""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailMessage)
class EmailMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at", "recipients", "subject", "template", "status", "delivery_status", "attempts", "sent_at",
    )  # fmt: skip
    list_filter = ("status", "delivery_status", "template", ("created_at", admin.DateFieldListFilter))
    search_fields = ("to", "subject", "provider_message_id")
    date_hierarchy = "created_at"
    list_select_related = ("related_content_type",)
    actions = ["retry_failed"]
    fieldsets = (
        (None, {"fields": ("to", "from_email", "reply_to", "subject", "template", "related_object")}),
        (
            "Delivery",
            {
                "fields": (
                    "status",
                    "attempts",
                    "last_attempt_at",
                    "next_attempt_at",
                    "sent_at",
                    "error_message",
                    "suppressed_recipients",
                    "provider_message_id",
                    "delivery_status",
                    "delivery_detail",
                    "delivery_updated_at",
                )
            },
        ),
        ("Content", {"fields": ("html_preview", "text_body", "context", "attachment_list")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "to", "from_email", "reply_to", "subject", "template", "related_object", "status", "attempts",
        "last_attempt_at", "next_attempt_at", "sent_at", "error_message", "suppressed_recipients",
        "provider_message_id", "delivery_status", "delivery_detail", "delivery_updated_at", "html_preview",
        "text_body", "context", "attachment_list", "created_at", "updated_at",
    )  # fmt: skip

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "").endswith("_change"):
            return qs
        return qs.defer("body_text", "body_html")  # lists and actions never need the bodies

    @admin.display(description="To")
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description="Related to")
    def related_object(self, obj):
        if not obj.related_content_type_id:
            return "—"
        return (
            f"{obj.related_content_type.app_label}.{obj.related_content_type.model} {obj.related_object_id}"
        )

    @admin.display(description="HTML (preview)")
    def html_preview(self, obj):
        if obj.template in outbox.SENSITIVE_TEMPLATES:
            return "Hidden: this email carries a one-time link."
        if not obj.body_html:
            return "—"
        # Sandboxed: no scripts, no forms, no same-origin access; the markup is escaped into srcdoc.
        return format_html(
            '<iframe sandbox="" srcdoc="{}" style="width:100%;max-width:720px;height:520px;'
            'border:1px solid #ddd;background:#fff"></iframe>',
            obj.body_html,
        )

    @admin.display(description="Text")
    def text_body(self, obj):
        if obj.template in outbox.SENSITIVE_TEMPLATES:
            return "Hidden: this email carries a one-time link."
        return format_html('<pre style="white-space:pre-wrap;max-width:720px">{}</pre>', obj.body_text)

    @admin.display(description="Attachments")
    def attachment_list(self, obj):
        names = [
            f"{a.filename} ({a.mimetype}, {a.size} bytes)"
            for a in obj.attachments.only("filename", "mimetype", "size")
        ]
        return ", ".join(names) or "—"

    @admin.action(description="Retry the selected failed emails", permissions=["change"])
    def retry_failed(self, request, queryset):
        done = 0
        for message in queryset.defer("body_text", "body_html"):
            try:
                outbox.email_retry(message=message, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{', '.join(message.to)}: {exc.detail}", messages.WARNING)
        if done:
            self.message_user(request, f"Queued {done} email(s) again.", messages.SUCCESS)


class BroadcastForm(forms.ModelForm):
    audience = forms.ChoiceField(choices=[(a, a) for a in AUDIENCES])

    class Meta:
        model = Broadcast
        fields = ["subject", "body", "audience"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Broadcasts are created here or by the API (both through the service) and never edited:
    the page shows the progress."""

    form = BroadcastForm
    list_display = (
        "subject",
        "audience",
        "status",
        "total",
        "sent",
        "failed",
        "pending",
        "skipped",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("subject",)
    readonly_fields = (
        "subject", "body", "audience", "status", "total", "sent", "failed", "pending", "skipped",
        "error_message", "created_by", "created_at", "started_at", "finished_at", "emails",
    )  # fmt: skip

    def get_queryset(self, request):
        return selectors.broadcast_list()

    def get_fields(self, request, obj=None):
        return ["subject", "body", "audience"] if obj is None else list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def _progress(self, obj):
        return selectors.broadcast_progress(broadcast=obj)

    @admin.display(description="Sent")
    def sent(self, obj):
        return self._progress(obj)["sent"]

    @admin.display(description="Failed")
    def failed(self, obj):
        return self._progress(obj)["failed"]

    @admin.display(description="Pending")
    def pending(self, obj):
        return self._progress(obj)["pending"]

    @admin.display(description="Emails")
    def emails(self, obj):
        url = reverse("admin:notifications_emailmessage_changelist")
        return format_html(
            '<a href="{}?related_object_id={}">The outbox emails of this broadcast</a>', url, obj.pk
        )

    def save_model(self, request, obj, form, change):
        created = broadcasts.broadcast_create(
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            audience=form.cleaned_data["audience"],
            actor=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Suppression)
class SuppressionAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    """Addresses nothing is emailed to. Delete an entry to email the address again."""

    list_display = ("email", "reason", "source", "created_at")
    list_filter = ("reason", "source")
    search_fields = ("email",)
    fields = ("email", "reason", "detail", "source", "email_message", "created_at")
    readonly_fields = ("source", "email_message", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ("email", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = "staff"
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "user", "read_at", "created_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), ("created_at", admin.DateFieldListFilter))
    search_fields = ("title", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    fields = ("user", "title", "body", "link", "read_at")
    readonly_fields = ("read_at",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "sms_opt_in", "whatsapp_opt_in", "updated_at")
    list_filter = ("sms_opt_in", "whatsapp_opt_in")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "to", "status", "attempts", "provider", "sent_at")
    list_filter = ("status", "channel", ("created_at", admin.DateFieldListFilter))
    search_fields = ("to", "provider_message_id")
    readonly_fields = (
        "channel", "to", "body", "user", "status", "attempts", "last_attempt_at", "next_attempt_at",
        "sent_at", "provider", "provider_message_id", "error_message", "created_at",
    )  # fmt: skip
    fields = readonly_fields
