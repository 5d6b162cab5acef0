from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.activity import client_ip
from apps.core.errors import NotFound
from apps.core.idempotency import idempotent
from apps.core.permissions import HasRole, IsStaffRole
from apps.core.renderers import JSONRenderer
from apps.core.roles import ADMIN, FINANCE
from apps.core.throttles import SettingIPThrottle
from apps.reports import analytics, exports, finance, services
from apps.reports.csv_stream import csv_chunks
from apps.reports.datasets import DATASETS
from apps.reports.models import Report

from .serializers import (
    AnalyticsEventSerializer,
    PeriodSerializer,
    ReportQueuedSerializer,
    ReportRequestSerializer,
    ReportSerializer,
)

TAG = ["reports"]


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept ``Accept: text/csv``; the export streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVDownload:
    """A view that streams CSV (``Accept: text/csv`` negotiates) and answers its errors in the
    JSON envelope whatever the ``Accept`` header, as its schema documents them."""

    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer()]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")  # Cache-Control: no-store, errors included
class ExportView(CSVDownload, APIView):
    """Stream a dataset as CSV (UTF-8; ``?excel=true`` adds a BOM for Excel), with the same
    filters as the dataset's list endpoint. Money is a plain decimal with a currency column,
    times are ISO 8601 UTC, text that a spreadsheet would run as a formula starts with an
    apostrophe. Finance and admin: orders, order-lines, payments, refunds,
    inventory-movements (logistics too); sales, finance and admin: inquiries and rfqs (a sales
    user gets the ones assigned to them); admin: activity-logs. Each export is written to the
    activity log with its filters and row count."""

    permission_classes = [IsAuthenticated]

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
        return exports.export_response(
            dataset=chosen, queryset=queryset, user=request.user, params=request.query_params
        )


class ReportListCreateView(generics.ListAPIView):
    """POST: queue a report of a dataset (the export's datasets, roles and filters) → 202; a
    worker writes the file to storage. GET: the caller's reports, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return Report.objects.filter(requested_by=self.request.user).order_by("-created_at")

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAG, request=ReportRequestSerializer, responses={202: ReportQueuedSerializer})
    @idempotent()
    def post(self, request):
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_request(user=request.user, **data.validated_data)
        return Response({"id": str(report.pk), "status": report.status}, status=status.HTTP_202_ACCEPTED)


class ReportDetailView(APIView):
    """Its requester: status, rows written, progress and, when done, a download URL valid
    REPORT_URL_SECONDS (S3: presigned; local disk: a signed link to /reports/{id}/download)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, responses=ReportSerializer)
    def get(self, request, report_id):
        report = Report.objects.filter(pk=report_id, requested_by=request.user).first()
        if report is None:
            raise NotFound("No such report.")
        return Response(ReportSerializer(report, context={"request": request}).data)


class ReportDownloadView(CSVDownload, APIView):
    """The file of a done report, for whoever holds a valid link (the token is the
    authentication: signed, and expired after REPORT_URL_SECONDS → 403 ``link_expired``).
    Local-disk storage only; with S3 the download URL is S3's own presigned URL."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=TAG,
        parameters=[OpenApiParameter("token", str, required=True, description="From download_url.")],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            403: OpenApiResponse(description="Expired or invalid link."),
        },
        auth=[{}],
    )
    def get(self, request, report_id):
        report = services.report_for_token(report_id=report_id, token=request.query_params.get("token", ""))
        name = report.file.rsplit("/", 1)[-1]
        content_type = "application/gzip" if report.compress else "text/csv; charset=utf-8"
        response = FileResponse(services.report_storage().open(report.file, "rb"), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- Analytics ----------------------------------------------------------------------------------


class AnalyticsThrottle(SettingIPThrottle):
    scope = "analytics"
    setting = "ANALYTICS_THROTTLE_RATE"
    staff_exempt = False


def _period(request) -> str:
    data = PeriodSerializer(data=request.query_params.dict())  # ``?period=`` is no period
    data.is_valid(raise_exception=True)
    return data.validated_data["period"]


PERIOD_PARAM = OpenApiParameter("period", str, enum=["7d", "30d", "90d"], description="Default 30d.")
ANALYTICS_TAG = ["analytics"]


class AnalyticsEventView(APIView):
    """A frontend event (public, throttled per IP). Stored with the device type and browser
    parsed from the User-Agent and the IP truncated (IPv4 /24, IPv6 /48) → 202."""

    permission_classes = [AllowAny]
    throttle_classes = [AnalyticsThrottle]

    @extend_schema(
        tags=ANALYTICS_TAG,
        request=AnalyticsEventSerializer,
        responses={202: None},
        auth=[{}, {"jwtAuth": []}],
    )
    def post(self, request):
        data = AnalyticsEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        analytics.event_record(
            data=data.validated_data,
            user_agent=request.headers.get("User-Agent", ""),
            ip=client_ip(request),
            user=request.user,
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class AnalyticsOverviewView(APIView):
    """Staff: inquiries, RFQs, orders, revenue per currency, sessions and conversion rates over
    the period, the previous period of the same length, the change in percent, and per day."""

    permission_classes = [IsStaffRole]

    @extend_schema(tags=ANALYTICS_TAG, parameters=[PERIOD_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(analytics.overview(_period(request)))


class AnalyticsInquiriesView(APIView):
    """Staff: inquiries over the period by day, country, type and source."""

    permission_classes = [IsStaffRole]

    @extend_schema(tags=ANALYTICS_TAG, parameters=[PERIOD_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(analytics.inquiries_breakdown(_period(request)))


class AnalyticsRFQFunnelView(APIView):
    """Staff: the RFQs received in the period by where they are now (pending → quoted →
    won/lost, cancelled apart) and the conversion rates between the steps."""

    permission_classes = [IsStaffRole]

    @extend_schema(tags=ANALYTICS_TAG, parameters=[PERIOD_PARAM], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(analytics.rfq_funnel(_period(request)))


@method_decorator(never_cache, name="dispatch")
class AnalyticsExportView(CSVDownload, APIView):
    """Staff: the period's daily figures as CSV (date, metric, dimension, value)."""

    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=ANALYTICS_TAG,
        parameters=[PERIOD_PARAM],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file.")},
    )
    def get(self, request):
        period = _period(request)
        response = StreamingHttpResponse(
            csv_chunks(["date", "metric", "dimension", "value"], analytics.metric_rows(period)),
            content_type="text/csv; charset=utf-8",
        )
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="analytics_{period}_{day}.csv"'
        return response


# --- Finance ------------------------------------------------------------------------------------

FINANCE_TAG = ["finance"]
IsFinance = HasRole.of(FINANCE, ADMIN)
RANGE_PARAMS = [
    OpenApiParameter(
        "date_from", OpenApiTypes.DATE, description="Inclusive; default 30 days before date_to."
    ),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Inclusive; default today. At most 366 days."),
]


class _FinanceView(APIView):
    permission_classes = [IsFinance]
    section = ""

    @extend_schema(tags=FINANCE_TAG, parameters=RANGE_PARAMS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        start, end = finance.date_range(request.query_params)
        return Response({"date_from": start, "date_to": end, "results": type(self).compute(start, end)})


class FinanceRevenueView(_FinanceView):
    """Orders paid per day and currency, with their totals (every day of the range)."""

    compute = staticmethod(finance.revenue_daily)


class FinancePaymentsView(_FinanceView):
    """Payments created in the range by provider, status and currency (count, amount, captured)."""

    compute = staticmethod(finance.payments_breakdown)


class FinanceRefundsView(_FinanceView):
    """Refunds in the range by currency and status (count, amount)."""

    compute = staticmethod(finance.refunds_breakdown)


class FinanceOutstandingView(APIView):
    """Orders waiting for payment now: totals per currency and the 20 oldest."""

    permission_classes = [IsFinance]

    @extend_schema(tags=FINANCE_TAG, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(finance.outstanding())
