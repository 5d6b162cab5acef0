from rest_framework import serializers

from apps.reports.datasets import DATASETS
from apps.reports.models import Report


class ReportRequestSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=list(DATASETS))
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text='The dataset\'s list-endpoint filters, e.g. {"status": "paid"}.',
    )
    format = serializers.ChoiceField(choices=Report.Format.choices, default=Report.Format.CSV)
    compress = serializers.BooleanField(default=False, help_text="gzip the file (.csv.gz).")


class ReportQueuedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()


class ReportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(help_text="Percent written.")
    download_url = serializers.SerializerMethodField(help_text="When done: a signed URL, short-lived.")
    download_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "dataset", "filters", "format", "compress", "status", "rows", "total_rows", "progress",
            "file_size", "error", "created_at", "started_at", "finished_at", "download_url",
            "download_expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _link(self, report):
        cached = getattr(report, "_download", None)
        if cached is None:
            from apps.reports.services import download_url

            request = self.context.get("request")
            base_url = request.build_absolute_uri("/") if request is not None else ""
            cached = report._download = download_url(report=report, base_url=base_url)
        return cached

    def get_download_url(self, report) -> str | None:
        return self._link(report)[0]

    def get_download_expires_at(self, report) -> str | None:
        expires = self._link(report)[1]
        return serializers.DateTimeField().to_representation(expires) if expires else None


class AnalyticsEventSerializer(serializers.Serializer):
    event_type = serializers.RegexField(
        r"^[a-z0-9_.:-]{1,50}$", help_text="e.g. page_view, add_to_cart, form_start (lower case)."
    )
    page_path = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    event_data = serializers.DictField(required=False, default=dict)
    session_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    referrer = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_event_data(self, value):
        import json

        if len(json.dumps(value, default=str)) > 4096:
            raise serializers.ValidationError("event_data is limited to 4 KiB of JSON.")
        return value


PERIOD_CHOICES = ["7d", "30d", "90d"]


class PeriodSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIOD_CHOICES, default="30d")
