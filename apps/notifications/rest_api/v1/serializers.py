from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.roles import ALL_ROLES
from apps.notifications.models import (
    API_STATUS_OF,
    API_STATUSES,
    Broadcast,
    EmailMessage,
    Notification,
    NotificationPreference,
    OutboxStatus,
)
from apps.notifications.selectors import broadcast_progress
from apps.notifications.services.broadcasts import ALL_CUSTOMERS, ROLE_PREFIX

AUDIENCES = [ALL_CUSTOMERS, *(f"{ROLE_PREFIX}{role}" for role in ALL_ROLES)]


class RelatedObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model, e.g. orders.order")
    id = serializers.CharField()


class ApiOutboxStatusField(serializers.ChoiceField):
    """The outbox status as the contract lists it: ``sending`` shows as ``pending``."""

    def to_representation(self, value):
        return API_STATUS_OF.get(value, value)


class EmailMessageSerializer(serializers.ModelSerializer):
    status = ApiOutboxStatusField(
        choices=[(value, OutboxStatus(value).label) for value in API_STATUSES],
        read_only=True,
        help_text="pending (queued, waiting for a retry, or being sent right now), sent, or failed. "
        "The outbox's internal `sending` step (a worker has claimed the email) is shown as "
        "`pending`; the admin shows it as it is.",
    )
    last_error = serializers.CharField(source="error_message", read_only=True)
    related = serializers.SerializerMethodField()

    class Meta:
        model = EmailMessage
        fields = [
            "id",
            "to",
            "from_email",
            "reply_to",
            "subject",
            "template",
            "status",
            "attempts",
            "last_attempt_at",
            "next_attempt_at",
            "sent_at",
            "last_error",
            "suppressed_recipients",
            "delivery_status",
            "delivery_updated_at",
            "provider_message_id",
            "related",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RelatedObjectSerializer(allow_null=True))
    def get_related(self, obj):
        if not obj.related_content_type_id:
            return None
        ct = obj.related_content_type
        return {"type": f"{ct.app_label}.{ct.model}", "id": obj.related_object_id}


class BroadcastCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000, help_text="Plain text; blank lines separate paragraphs.")
    audience = serializers.ChoiceField(choices=AUDIENCES)


class BroadcastSerializer(serializers.ModelSerializer):
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    sent = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "subject",
            "body",
            "audience",
            "status",
            "total",
            "sent",
            "failed",
            "pending",
            "skipped",
            "error_message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _progress(self, obj) -> dict:
        cache = self.context.setdefault("_progress", {})
        if obj.pk not in cache:
            cache[obj.pk] = broadcast_progress(broadcast=obj)
        return cache[obj.pk]

    def get_sent(self, obj) -> int:
        return self._progress(obj)["sent"]

    def get_failed(self, obj) -> int:
        return self._progress(obj)["failed"]

    def get_pending(self, obj) -> int:
        return self._progress(obj)["pending"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "read_at", "created_at"]
        read_only_fields = fields


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="user.phone", read_only=True)
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until the preferences are first saved."
    )

    class Meta:
        model = NotificationPreference
        fields = ["sms_opt_in", "whatsapp_opt_in", "phone", "updated_at"]
        read_only_fields = ["phone", "updated_at"]


class EmailTestInputSerializer(serializers.Serializer):
    to = serializers.EmailField(required=False, help_text="Defaults to the caller's email.")


class EmailTestResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    to = serializers.EmailField()
    id = serializers.UUIDField(help_text="The outbox email (GET /api/v1/email/queue).")
