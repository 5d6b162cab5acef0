from rest_framework import serializers

from apps.core.models import ActivityLog, SiteSettings


class HealthCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    ms = serializers.FloatField()
    detail = serializers.CharField(required=False)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    checks = serializers.DictField(child=HealthCheckSerializer())
    payments = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Which currencies can be paid, by which provider: `stripe`, `paystack`, `offline` "
        "(development), or `unavailable` (checkout in it answers 503 `payments_unavailable`); `*` is "
        "any other currency. Information only: it never makes the status degraded.",
    )


class StatusSerializer(serializers.Serializer):
    version = serializers.CharField()
    git_sha = serializers.CharField(allow_null=True)
    uptime_seconds = serializers.FloatField()
    server_time = serializers.DateTimeField()


class SiteSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteSettings
        fields = ["company_name", "support_email", "default_currency", "low_stock_threshold", "updated_at"]
        read_only_fields = ["updated_at"]


class ActivityLogSerializer(serializers.ModelSerializer):
    actor = serializers.UUIDField(source="actor_id", allow_null=True, read_only=True)

    class Meta:
        model = ActivityLog
        fields = [
            "id",
            "actor",
            "actor_email",
            "action",
            "entity_type",
            "entity_id",
            "entity_repr",
            "before",
            "after",
            "ip_address",
            "user_agent",
            "created_at",
        ]
        read_only_fields = fields
