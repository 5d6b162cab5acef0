import json

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from apps.core.fields import JSONObjectField
from apps.core.renderers import iso_datetime
from apps.leads import workflows
from apps.leads.countries import COUNTRIES, normalize_country
from apps.leads.models import ImportJob, Inquiry, LeadScoringRule, phone_validator

HONEYPOT_FIELD = "website"
METADATA_MAX_BYTES = 4096
METADATA_MAX_DEPTH = 3


def _depth(value, level=1) -> int:
    if isinstance(value, dict):
        return max([level, *(_depth(v, level + 1) for v in value.values())])
    if isinstance(value, list):
        return max([level, *(_depth(v, level + 1) for v in value)])
    return level - 1


class InquirySubmitSerializer(serializers.Serializer):
    inquiry_type = serializers.ChoiceField(choices=Inquiry.Type.choices)
    full_name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", validators=[phone_validator]
    )
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2, e.g. NG."
    )
    message = serializers.CharField(max_length=5000)
    source = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text='Where the form lives (default "website").',
    )
    metadata = JSONObjectField(
        required=False,
        default=dict,
        help_text="An object: budget (number), timeline, org_type, products (list of slugs)... "
        f"At most {METADATA_MAX_BYTES} bytes and {METADATA_MAX_DEPTH} levels deep.",
    )
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        max_length=500,
        help_text="Leave empty: a spam trap, hidden from people by the form.",
    )

    def validate_country(self, value):
        value = normalize_country(value)
        if value and value not in COUNTRIES:
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. NG, US, GB)."
            )
        return value

    def validate_metadata(self, value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        if len(json.dumps(value)) > METADATA_MAX_BYTES:
            raise serializers.ValidationError(f"At most {METADATA_MAX_BYTES} bytes of JSON.")
        if _depth(value) > METADATA_MAX_DEPTH:
            raise serializers.ValidationError(f"At most {METADATA_MAX_DEPTH} levels deep.")
        return value


class InquiryPublicSerializer(serializers.ModelSerializer):
    """What the person who sent the form gets back (no internal fields)."""

    class Meta:
        model = Inquiry
        fields = [
            "id", "inquiry_type", "full_name", "email", "phone", "company", "country", "message",
            "source", "metadata", "status", "lead_score", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MatchedRuleSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    rule_name = serializers.CharField()
    score_value = serializers.IntegerField()


class InquirySerializer(serializers.ModelSerializer):
    assigned_to = UserRefSerializer(allow_null=True)
    matched_rules = MatchedRuleSerializer(many=True, help_text="Why it scored what it did.")
    converted_customer_id = serializers.UUIDField(allow_null=True)
    allowed_statuses = serializers.SerializerMethodField(help_text="The statuses it may move to next.")

    class Meta:
        model = Inquiry
        fields = [
            "id", "inquiry_type", "full_name", "email", "phone", "company", "country", "message",
            "source", "metadata", "status", "allowed_statuses", "lead_score", "matched_rules",
            "assigned_to", "notes", "ip_address", "user_agent", "converted_customer_id",
            "converted_at", "rfq_id", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_allowed_statuses(self, obj) -> list[str]:
        return list(workflows.allowed_next(obj.status))

    def to_representation(self, obj: Inquiry) -> dict:
        """The declared fields above, built directly: the staff list renders pages of up to
        100 inquiries with up to 20 matched rules each, and DRF's per-field walk through the
        nested serializers cost more than the SQL (``test_staff_api`` checks this equals
        ``generic_representation``)."""
        assigned = obj.assigned_to
        tz = timezone.get_current_timezone()
        return {
            "id": str(obj.id),
            "inquiry_type": obj.inquiry_type,
            "full_name": obj.full_name,
            "email": obj.email,
            "phone": obj.phone,
            "company": obj.company,
            "country": obj.country,
            "message": obj.message,
            "source": obj.source,
            "metadata": obj.metadata,
            "status": obj.status,
            "allowed_statuses": list(workflows.allowed_next(obj.status)),
            "lead_score": obj.lead_score,
            "matched_rules": [
                {
                    "rule_id": str(rule["rule_id"]),
                    "rule_name": str(rule["rule_name"]),
                    "score_value": int(rule["score_value"]),
                }
                for rule in obj.matched_rules or ()
            ],
            "assigned_to": None if assigned is None else {
                "id": str(assigned.id), "email": assigned.email, "full_name": assigned.full_name,
            },
            "notes": obj.notes,
            "ip_address": obj.ip_address,
            "user_agent": obj.user_agent,
            "converted_customer_id": _str_or_none(obj.converted_customer_id),
            "converted_at": iso_datetime(obj.converted_at, tz),
            "rfq_id": _str_or_none(obj.rfq_id),
            "created_at": iso_datetime(obj.created_at, tz),
            "updated_at": iso_datetime(obj.updated_at, tz),
        }  # fmt: skip

    def generic_representation(self, obj: Inquiry) -> dict:
        """DRF's own walk over the declared fields: the reference the fast path must equal."""
        return super().to_representation(obj)


def _str_or_none(value):
    return None if value is None else str(value)


class InquiryUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Inquiry.Status.choices,
        required=False,
        help_text="new → in_progress → resolved → closed; other moves → 409.",
    )
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
        help_text="A sales user's id, or null to unassign. The assignee may view and change it.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ConvertSerializer(serializers.Serializer):
    create_rfq = serializers.BooleanField(default=False, help_text="Also open an RFQ from the inquiry.")
    items = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        max_length=200,
        help_text='RFQ items: [{"product": slug} or {"sku": sku}, "quantity": int, "notes"?]. May be '
        "empty: the inquiry's message is the requirement.",
    )

    def validate(self, attrs):
        if attrs["items"] and not attrs["create_rfq"]:
            raise serializers.ValidationError({"items": "Items are for an RFQ: send create_rfq=true."})
        return attrs


class ConversionSerializer(serializers.Serializer):
    customer_id = serializers.UUIDField()
    customer_created = serializers.BooleanField(help_text="False when an existing account was linked.")
    rfq_id = serializers.UUIDField(allow_null=True, help_text="The RFQ opened (create_rfq), else null.")


class LeadScoringRuleSerializer(serializers.ModelSerializer):
    condition = JSONObjectField(
        help_text='{"field": "country", "in": ["NG", "US"]}; {"field": "metadata.budget", "gte": 500000}; '
        '{"field": "message", "contains_any": ["urgent", "tender"]}. Operators: eq, ne, in, not_in, gt, '
        "gte, lt, lte, contains, contains_any (all given must hold). Fields: inquiry_type, full_name, "
        "email, email_domain, phone, company, country, message, source, metadata.<key>[.<key>]."
    )

    class Meta:
        model = LeadScoringRule
        fields = [
            "id", "rule_name", "rule_type", "condition", "score_value", "is_active", "position",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]


class ImportParamsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Validate and report only.")
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Import the valid rows even when some are invalid (listed as rejected)."
    )


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8 (BOM allowed), header row first. Columns: email (required), full_name, "
        "phone, company, country, inquiry_type, message, source, budget, timeline, org_type."
    )


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file (the header is line 1).")
    email = serializers.CharField()
    id = serializers.UUIDField(allow_null=True, help_text="The inquiry (null in a dry run for new ones).")
    duplicate_of_line = serializers.IntegerField(required=False)


class ImportProblemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    detail = serializers.CharField()


class ImportRejectedSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField()
    errors = ImportProblemSerializer(many=True)


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    imported = serializers.BooleanField(help_text="Whether anything was written.")
    total_rows = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    rejected_count = serializers.IntegerField()
    created = ImportRowSerializer(many=True)
    updated = ImportRowSerializer(many=True)
    rejected = ImportRejectedSerializer(many=True)


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    report = serializers.JSONField(help_text="{created, updated, rejected} as in the synchronous answer.")

    class Meta:
        model = ImportJob
        fields = [
            "id", "status", "file_name", "dry_run", "skip_invalid", "total_rows", "created_count",
            "updated_count", "rejected_count", "report", "error", "created_by", "created_at",
            "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields
