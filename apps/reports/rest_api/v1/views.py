from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from apps.core.filters import TRUE_VALUES
from apps.reports import exports
from apps.reports.datasets import DATASETS

TAG = ["reports"]


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept ``Accept: text/csv``; the export streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ExportView(APIView):
    """Stream a dataset as CSV (UTF-8; ``?excel=true`` adds a BOM for Excel), with the same
    filters as the dataset's list endpoint. Money is a plain decimal with a currency column,
    times are ISO 8601 UTC, text that a spreadsheet would run as a formula starts with an
    apostrophe. Finance and admin: orders, order-lines, payments, refunds,
    inventory-movements (logistics too); sales, finance and admin: inquiries and rfqs (a sales
    user gets the ones assigned to them); admin: activity-logs. Each export is written to the
    activity log with its filters and row count."""

    permission_classes = [IsAuthenticated]

    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer()]

    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("dataset", str, OpenApiParameter.PATH, enum=list(DATASETS)),
            OpenApiParameter("excel", bool, description="Start the file with a UTF-8 BOM (Excel)."),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file, streamed."),
        },
    )
    def get(self, request, dataset):
        chosen = exports.dataset_for(user=request.user, name=dataset)
        queryset = exports.filtered_queryset(chosen, request)  # a bad filter: 400 before streaming
        excel = request.query_params.get("excel", "").lower() in TRUE_VALUES
        filters = {k: v for k, v in request.query_params.items() if k not in exports.CONTROL_PARAMS}
        response = StreamingHttpResponse(
            exports.export_stream(
                dataset=chosen,
                queryset=queryset,
                user=request.user,
                filters=filters,
                excel=excel,
                request=request,
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.file_name(chosen, request.query_params)}"'
        )
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"
        return response
