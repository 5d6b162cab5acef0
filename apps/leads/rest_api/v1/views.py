import logging
import uuid

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.activity import client_ip
from apps.core.errors import NotFound
from apps.core.pagination import PAGE_PARAMS
from apps.core.permissions import HasRole, IsAdminRole
from apps.core.roles import ADMIN, SALES, STAFF_ROLES
from apps.leads import selectors
from apps.leads.filters import InquiryFilter, LeadScoringRuleFilter
from apps.leads.models import ImportJob, Inquiry
from apps.leads.services import imports, inquiries, rules
from apps.leads.throttles import InquiryDayThrottle, InquiryMinuteThrottle

from .serializers import (
    ConversionSerializer,
    ConvertSerializer,
    ImportJobSerializer,
    ImportParamsSerializer,
    ImportReportSerializer,
    ImportUploadSerializer,
    InquiryPublicSerializer,
    InquirySerializer,
    InquirySubmitSerializer,
    InquiryUpdateSerializer,
    LeadScoringRuleSerializer,
)

logger = logging.getLogger(__name__)

TAG, RULE_TAG, IMPORT_TAG = ["leads"], ["lead scoring"], ["contact import"]
PUBLIC_AUTH = [{}, {"jwtAuth": []}]
IsLeadsStaff = HasRole.of(*selectors.LEADS_ROLES)
IsStaff = HasRole.of(*STAFF_ROLES)
IsSales = HasRole.of(SALES, ADMIN)


class InquiryListCreateView(generics.ListAPIView):
    """GET (sales, support, admin): the inquiries the caller may see. POST (public, throttled
    per IP): send an inquiry."""

    serializer_class = InquirySerializer
    filterset_class = InquiryFilter
    search_fields = ["full_name", "email", "company", "message"]
    ordering_fields = ["created_at", "updated_at", "lead_score", "status", "full_name"]
    ordering = ["-created_at", "-id"]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsLeadsStaff()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [InquiryMinuteThrottle(), InquiryDayThrottle()]
        return []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inquiry.objects.none()
        return selectors.inquiry_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        if selectors.sees_all_inquiries(user=self.request.user):
            # Read as values: building an Inquiry and its assignee per row cost more than the SQL.
            page = super().paginate_queryset(selectors.inquiry_list_values(queryset=queryset))
            return [selectors.inquiry_list_item(row=row) for row in page]
        # Only the inquiries assigned to them: a small set, counted with the page.
        return self.paginator.paginate_small_set(queryset, self.request)

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        user = request.user
        if request.query_params.keys() <= PAGE_PARAMS and not selectors.sees_all_inquiries(user=user):
            # A sales user's plain listing, the page the frontend opens: the page and the
            # count from one index, without the filter backends.
            paginator = self.paginator

            def fetch(offset: int, limit: int):
                return selectors.assigned_inquiry_page(user=user, offset=offset, limit=limit)

            page = paginator.paginate_fetched(request, fetch)
            return paginator.get_paginated_response(self.get_serializer(page, many=True).data)
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        request=InquirySubmitSerializer,
        responses={201: InquiryPublicSerializer},
        auth=PUBLIC_AUTH,
        description="The score is computed from the active scoring rules. Staff are not throttled.",
    )
    def post(self, request):
        data = InquirySubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.pop("website", ""):
            return self._honeypot(request, values)
        inquiry = inquiries.inquiry_submit(
            **values,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            auto_assign=settings.LEADS_AUTO_ASSIGN,
            actor=request.user,
        )
        return Response(InquiryPublicSerializer(inquiry).data, status=status.HTTP_201_CREATED)

    def _honeypot(self, request, values):
        """A bot filled the hidden field: answer like a success, store and send nothing."""
        logger.info("inquiry honeypot filled from %s; dropped", client_ip(request))
        decoy = Inquiry(id=uuid.uuid4(), **values, status=Inquiry.Status.NEW, lead_score=0)
        decoy.email = inquiries.normalize_email(email=decoy.email)
        decoy.source = decoy.source or "website"
        decoy.created_at = timezone.now()
        return Response(InquiryPublicSerializer(decoy).data, status=status.HTTP_201_CREATED)


def _inquiry(request, inquiry_id) -> Inquiry:
    inquiry = selectors.inquiry_get(user=request.user, pk=inquiry_id)
    if inquiry is None:
        raise NotFound("No such inquiry.")
    return inquiry


class InquiryDetailView(APIView):
    """Staff: read an inquiry they may see; PATCH status (state machine), assignment and notes
    (needs change permission); DELETE hides it (soft; needs leads.delete_inquiry)."""

    permission_classes = [IsStaff]

    @extend_schema(tags=TAG, responses=InquirySerializer)
    def get(self, request, inquiry_id):
        return Response(InquirySerializer(_inquiry(request, inquiry_id)).data)

    @extend_schema(tags=TAG, request=InquiryUpdateSerializer, responses=InquirySerializer)
    def patch(self, request, inquiry_id):
        inquiry = _inquiry(request, inquiry_id)
        if not selectors.can_change(user=request.user, inquiry=inquiry):
            raise PermissionDenied("You may not change this inquiry.")
        data = InquiryUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        inquiries.inquiry_update(inquiry=inquiry, data=data.validated_data, actor=request.user)
        return Response(InquirySerializer(_inquiry(request, inquiry_id)).data)

    @extend_schema(tags=TAG, responses={204: None})
    def delete(self, request, inquiry_id):
        inquiry = _inquiry(request, inquiry_id)
        if not request.user.has_perm("leads.delete_inquiry"):
            raise PermissionDenied("You may not delete inquiries.")
        inquiries.inquiry_soft_delete(inquiry=inquiry, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InquiryConvertView(APIView):
    permission_classes = [IsSales]

    @extend_schema(
        tags=TAG,
        request=ConvertSerializer,
        responses={201: ConversionSerializer},
        description="Creates a customer account without a usable password (the customer is invited "
        "by email to set one), or links the account that has the inquiry's email; optionally opens "
        "an RFQ. An inquiry converts once: again → 409 already_converted.",
    )
    def post(self, request, inquiry_id):
        inquiry = _inquiry(request, inquiry_id)
        data = ConvertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = inquiries.inquiry_convert(
            inquiry=inquiry,
            actor=request.user,
            create_rfq=data.validated_data["create_rfq"],
            items=data.validated_data["items"],
        )
        body = {
            "customer_id": result.customer.pk,
            "customer_created": result.customer_created,
            "rfq_id": result.rfq_id,
        }
        return Response(ConversionSerializer(body).data, status=status.HTTP_201_CREATED)


class LeadScoringRuleListView(generics.ListCreateAPIView):
    """Admin: scoring rules. Any change rescores the open inquiries in the background."""

    permission_classes = [IsAdminRole]
    serializer_class = LeadScoringRuleSerializer
    filterset_class = LeadScoringRuleFilter
    search_fields = ["rule_name"]
    ordering_fields = ["position", "rule_name", "score_value", "created_at"]

    def get_queryset(self):
        return selectors.rule_list()

    @extend_schema(tags=RULE_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=RULE_TAG)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = rules.rule_create(data=serializer.validated_data, actor=self.request.user)


class LeadScoringRuleDetailView(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = LeadScoringRuleSerializer
    lookup_url_kwarg = "rule_id"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.rule_list()

    @extend_schema(tags=RULE_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=RULE_TAG)
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    @extend_schema(tags=RULE_TAG)
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = rules.rule_update(
            rule=serializer.instance,
            data=serializer.validated_data,
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        rules.rule_delete(rule=instance, actor=self.request.user)


def _report(outcome: imports.Outcome, *, dry_run: bool) -> dict:
    return {"dry_run": dry_run, "imported": outcome.applied, **outcome.counts(), **outcome.report()}


class ContactImportView(APIView):
    permission_classes = [IsSales]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=IMPORT_TAG,
        parameters=[ImportParamsSerializer],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportReportSerializer,
            202: OpenApiResponse(ImportJobSerializer, description="A large file: queued as a job."),
        },
        description="Every row is validated first (problems by line and column). Any invalid row → "
        "400 and nothing imported, unless skip_invalid=true. Duplicates by email (within the file "
        "and against stored inquiries) update. Files above LEADS_IMPORT_SYNC_MAX_ROWS rows run in "
        "the background: 202 with the job; poll GET /import/contacts/{id}.",
    )
    def post(self, request):
        params = ImportParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if file.size > settings.LEADS_IMPORT_MAX_BYTES:
            raise imports.ImportTooLarge(
                f"The file is {file.size} bytes; the limit is {settings.LEADS_IMPORT_MAX_BYTES} bytes."
            )
        result = imports.contacts_import_start(
            content=file.read(),
            file_name=file.name or "",
            actor=request.user,
            dry_run=params.validated_data["dry_run"],
            skip_invalid=params.validated_data["skip_invalid"],
        )
        if isinstance(result, ImportJob):
            return Response(ImportJobSerializer(result).data, status=status.HTTP_202_ACCEPTED)
        return Response(
            ImportReportSerializer(_report(result, dry_run=params.validated_data["dry_run"])).data
        )


class ImportJobDetailView(APIView):
    permission_classes = [IsSales]

    @extend_schema(tags=IMPORT_TAG, responses=ImportJobSerializer)
    def get(self, request, job_id):
        job = selectors.import_job_get(user=request.user, pk=job_id)
        if job is None:
            raise NotFound("No such import job.")
        return Response(ImportJobSerializer(job).data)
