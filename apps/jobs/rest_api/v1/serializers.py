from decimal import Decimal

from rest_framework import serializers

from apps.jobs.models import Job, JobEvent, ServiceType
from apps.jobs.workflows import JOB

MONEY = {"max_digits": 14, "decimal_places": 2}


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["code", "name", "unit", "hours_per_unit"]
        read_only_fields = fields


class JobCreateSerializer(serializers.Serializer):
    service_type = serializers.SlugField(
        max_length=40, help_text="A service type's code (GET /service-types)."
    )
    site_address = serializers.CharField(max_length=1000)
    site_lat = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal("-90"), max_value=Decimal("90")
    )
    site_lng = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal("-180"), max_value=Decimal("180")
    )
    size = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="In the service type's unit (e.g. hectares).",
    )
    preferred_date = serializers.DateField()
    estimated_hours = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("10000"),
        required=False,
        help_text="Default: size × the service type's hours per unit, rounded up to the quarter hour.",
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, help_text="ISO 4217; default: the platform's default currency."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    def validate_service_type(self, value):
        found = ServiceType.objects.filter(code=value, is_active=True).first()
        if found is None:
            raise serializers.ValidationError(f"No service type '{value}' is offered.")
        return found


class JobStatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Job.Status.choices)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class JobDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class _Named(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class _Provider(serializers.Serializer):
    id = serializers.UUIDField()
    business_name = serializers.CharField()


class JobEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobEvent
        fields = ["id", "from_status", "to_status", "location", "note", "occurred_at", "recorded_at"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeSerializer()
    customer_name = serializers.CharField(source="customer.full_name")
    provider = _Provider(allow_null=True)
    resource = _Named(allow_null=True)
    allowed_next = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "status",
            "status_at",
            "allowed_next",
            "service_type",
            "site_address",
            "site_lat",
            "site_lng",
            "size",
            "preferred_date",
            "estimated_hours",
            "currency",
            "notes",
            "customer_name",
            "provider",
            "resource",
            "distance_km",
            "accepted_at",
            "completed_at",
            "paid_at",
            "needs_attention",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_allowed_next(self, job) -> list[str]:
        return list(JOB.allowed_next(job.status))


class JobDetailSerializer(JobSerializer):
    history = JobEventSerializer(source="events", many=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "history"]
        read_only_fields = fields


class EstimateSerializer(serializers.Serializer):
    currency = serializers.CharField()
    basis = serializers.ChoiceField(
        choices=["assigned", "offered", "best_candidate"],
        help_text="Whose rates: the accepted resource, the one offered the job, or (before any "
        "offer) the best candidate.",
    )
    resource = serializers.SerializerMethodField()
    estimated_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    rate_per_hour = serializers.DecimalField(**MONEY)
    labour = serializers.DecimalField(**MONEY, help_text="rate_per_hour × estimated_hours")
    distance_km = serializers.DecimalField(max_digits=9, decimal_places=2)
    travel_fee_per_km = serializers.DecimalField(**MONEY)
    travel_fee = serializers.DecimalField(**MONEY, help_text="travel_fee_per_km × distance_km")
    total = serializers.DecimalField(**MONEY, help_text="labour + travel_fee")

    def get_resource(self, estimate) -> dict:
        return {"id": str(estimate.resource_id), "name": estimate.resource_name}


class JobPaymentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    provider = serializers.CharField()
    reference = serializers.CharField()
    client_secret = serializers.CharField(
        help_text="Stripe: the PaymentIntent's client secret; Paystack: the access code."
    )
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    status = serializers.CharField()


# --- The provider's dashboard -------------------------------------------------------------------


class _Money(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    payments = serializers.IntegerField()


class ProviderSummarySerializer(serializers.Serializer):
    provider = _Provider()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Jobs by status.")
    pending_offers = serializers.IntegerField()
    month_start = serializers.DateField()
    earnings_this_month = _Money(many=True, help_text="Net of refunds, per currency.")


class WeekEarningsSerializer(_Money):
    week = serializers.DateField(help_text="The Monday starting the week.")


class JobRequestSerializer(JobSerializer):
    offered_at = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "offered_at"]
        read_only_fields = fields

    def get_offered_at(self, job) -> str | None:
        offers = getattr(job, "open_offers", None) or []
        return serializers.DateTimeField().to_representation(offers[0].updated_at) if offers else None
