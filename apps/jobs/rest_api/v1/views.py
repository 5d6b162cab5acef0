"""Service jobs (``/api/v1/jobs``), the service types, and the provider's dashboard."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, NotFound, PermissionDenied
from apps.core.idempotency import idempotent
from apps.core.permissions import HasRole
from apps.core.roles import ADMIN, LOGISTICS, PROVIDER, has_role
from apps.jobs import selectors
from apps.jobs import services as jobs
from apps.jobs.filters import JobFilter
from apps.jobs.models import Job, ServiceProvider

from .serializers import (
    EstimateSerializer,
    JobCreateSerializer,
    JobDeclineSerializer,
    JobDetailSerializer,
    JobPaymentSerializer,
    JobRequestSerializer,
    JobSerializer,
    JobStatusInSerializer,
    ProviderSummarySerializer,
    ServiceTypeSerializer,
    WeekEarningsSerializer,
)

TAG = ["jobs"]
DASHBOARD_TAG = ["provider dashboard"]
IsJobStaff = HasRole.of(LOGISTICS, ADMIN)
IsProvider = HasRole.of(PROVIDER, ADMIN)


def _job(request, job_id) -> Job:
    job = selectors.job_for_caller(user=request.user, job_id=job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


def _detail(job_id) -> dict:
    return JobDetailSerializer(selectors.job_detail(job_id=job_id)).data


class ServiceTypeListView(generics.ListAPIView):
    """The services jobs can ask for (public: the request form's choices)."""

    permission_classes = [AllowAny]
    serializer_class = ServiceTypeSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.service_types()

    @extend_schema(tags=TAG, auth=[{}, {"jwtAuth": []}])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class JobListCreateView(generics.ListAPIView):
    """A customer asks for a job (matching then offers it to the nearest available resource);
    the list shows staff every job, a customer their own, a provider those offered or
    assigned to them."""

    permission_classes = [IsAuthenticated]
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["created_at", "preferred_date", "status_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return selectors.job_list(user=self.request.user)

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAG, request=JobCreateSerializer, responses={201: JobDetailSerializer})
    @idempotent()
    def post(self, request):
        data = JobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = jobs.job_create(customer=request.user, **data.validated_data)
        return Response(_detail(job.pk), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, responses=JobDetailSerializer)
    def get(self, request, job_id):
        return Response(_detail(_job(request, job_id).pk))


class JobStatusView(APIView):
    """The job workflow: the provider the job is offered or assigned to accepts it
    (``ACCEPTED``) and moves the work on; its customer or staff cancel it (``CANCELLED``, from
    SENT, RECEIVED or ACCEPTED). Anything else → 409 ``invalid_transition`` naming the allowed
    next states."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, request=JobStatusInSerializer, responses=JobDetailSerializer)
    def post(self, request, job_id):
        job = _job(request, job_id)
        data = JobStatusInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jobs.job_status_change(job=job, user=request.user, **data.validated_data)
        return Response(_detail(job.pk))


class JobDeclineView(APIView):
    """The provider turns the offer down: the job is offered to the next candidate, or staff
    are told that none is left."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, request=JobDeclineSerializer, responses=JobDetailSerializer)
    def post(self, request, job_id):
        job = _job(request, job_id)
        data = JobDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jobs.job_decline(job=job, user=request.user, reason=data.validated_data["reason"])
        return Response(_detail(job.pk))


class JobMatchView(APIView):
    """Staff: offer a waiting (SENT) job to the nearest available resource now. Also run
    automatically when a job is created, and again when an offer is declined or expires."""

    permission_classes = [IsJobStaff]

    @extend_schema(tags=TAG, request=None, responses=JobDetailSerializer)
    def post(self, request, job_id):
        job = _job(request, job_id)
        jobs.job_match(job=job, actor=request.user)
        return Response(_detail(job.pk))


class JobEstimateView(APIView):
    """``rate_per_hour × estimated_hours + travel_fee_per_km × distance_km`` in the job's
    currency, with the parts (the job's owner and staff)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, responses=EstimateSerializer)
    def get(self, request, job_id):
        job = _job(request, job_id)
        if job.customer_id != request.user.pk and not jobs.is_job_staff(user=request.user):
            raise NotFound("No such job.")
        return Response(EstimateSerializer(jobs.job_estimate(job=job)).data)


class JobPaymentIntentView(APIView):
    """The customer pays the estimate once the job is accepted, through the payment provider of
    its currency; confirmed by the provider's webhook like an order's payment. Repeating the
    request while the payment is pending returns the same payment."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, request=None, responses={201: JobPaymentSerializer})
    @idempotent()
    def post(self, request, job_id):
        job = _job(request, job_id)
        payment = jobs.job_payment_intent(job=job, user=request.user)
        return Response(JobPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


# --- The provider's dashboard -------------------------------------------------------------------

PROVIDER_PARAM = OpenApiParameter("provider", str, description="Admins: the provider's id.")


def _provider(request) -> ServiceProvider:
    wanted = request.query_params.get("provider")
    if wanted and has_role(request.user, ADMIN):
        try:
            return get_object_or_404(ServiceProvider, pk=wanted)
        except Exception as exc:  # noqa: BLE001 - a malformed id is a 404 too
            raise NotFound("No such provider.") from exc
    provider = ServiceProvider.objects.filter(user=request.user).first()
    if provider is None:
        raise PermissionDenied("You are not registered as a service provider.", code="not_a_provider")
    return provider


class ProviderSummaryView(APIView):
    permission_classes = [IsProvider]

    @extend_schema(tags=DASHBOARD_TAG, parameters=[PROVIDER_PARAM], responses=ProviderSummarySerializer)
    def get(self, request):
        return Response(
            ProviderSummarySerializer(selectors.provider_summary(provider=_provider(request))).data
        )


class _ProviderJobList(generics.ListAPIView):
    permission_classes = [IsProvider]
    serializer_class = JobSerializer
    filter_backends = []
    # The selector of the list, set by each subclass.
    select: Callable[..., QuerySet[Job]]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return type(self).select(provider=_provider(self.request))

    @extend_schema(tags=DASHBOARD_TAG, parameters=[PROVIDER_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProviderOngoingView(_ProviderJobList):
    """Jobs under way (EN_ROUTE, ARRIVED, WORK_STARTED, IN_PROGRESS)."""

    select = staticmethod(selectors.provider_ongoing)


class ProviderUpcomingView(_ProviderJobList):
    """Accepted jobs from today on, soonest first."""

    select = staticmethod(selectors.provider_upcoming)


class ProviderJobRequestsView(_ProviderJobList):
    """Offers waiting for an answer (accept: POST /jobs/{id}/status ACCEPTED; decline: POST
    /jobs/{id}/decline), oldest first."""

    serializer_class = JobRequestSerializer
    select = staticmethod(selectors.provider_job_requests)


class ProviderEarningsView(APIView):
    """Net money taken per week (Monday) and currency over the last ``weeks`` weeks (1–104,
    default 12)."""

    permission_classes = [IsProvider]

    @extend_schema(
        tags=DASHBOARD_TAG,
        parameters=[
            PROVIDER_PARAM,
            OpenApiParameter(
                "weeks", {"type": "integer", "minimum": 1, "maximum": 104}, description="1–104, default 12."
            ),
        ],
        responses=WeekEarningsSerializer(many=True),
    )
    def get(self, request):
        raw = request.query_params.get("weeks", "12")
        if not raw.isdigit() or not 1 <= int(raw) <= 104:
            raise ApplicationError("weeks must be a whole number from 1 to 104.", attr="weeks")
        rows = selectors.provider_earnings_by_week(provider=_provider(request), weeks=int(raw))
        return Response(WeekEarningsSerializer(rows, many=True).data)
