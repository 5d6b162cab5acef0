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

            cached = report._download = download_url(report, request=self.context.get("request"))
        return cached

    def get_download_url(self, report) -> str | None:
        return self._link(report)[0]

    def get_download_expires_at(self, report) -> str | None:
        expires = self._link(report)[1]
        return serializers.DateTimeField().to_representation(expires) if expires else None
