import time

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.filters import ActivityLogFilter
from apps.core.flat_rows import FlatListMixin
from apps.core.health import run_checks, run_reports
from apps.core.permissions import IsAdminRole, ReadStaffWriteAdmin
from apps.core.selectors import activity_log_list, site_settings_get
from apps.core.services import site_settings_update

from .serializers import (
    ActivityLogSerializer,
    HealthSerializer,
    SiteSettingsSerializer,
    StatusSerializer,
)

STARTED_AT = time.monotonic()


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["core"], responses={200: HealthSerializer, 503: HealthSerializer}, auth=[])
    def get(self, request):
        overall, checks, database_ok = run_checks()
        if not database_ok:
            overall = "down"
        code = status.HTTP_200_OK if database_ok else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response({"status": overall, "checks": checks, **run_reports()}, status=code)


class StatusView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["core"], responses=StatusSerializer, auth=[])
    def get(self, request):
        return Response(
            {
                "version": settings.FOUNDRY_VERSION,
                "git_sha": settings.GIT_SHA or None,
                "uptime_seconds": round(time.monotonic() - STARTED_AT, 3),
                "server_time": timezone.now(),
            }
        )


class SiteSettingsView(APIView):
    permission_classes = [ReadStaffWriteAdmin]

    @extend_schema(tags=["core"], responses=SiteSettingsSerializer)
    def get(self, request):
        return Response(SiteSettingsSerializer(site_settings_get()).data)

    @extend_schema(tags=["core"], request=SiteSettingsSerializer, responses=SiteSettingsSerializer)
    def patch(self, request):
        serializer = SiteSettingsSerializer(site_settings_get(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = site_settings_update(actor=request.user, data=serializer.validated_data)
        return Response(SiteSettingsSerializer(obj).data)


@extend_schema(tags=["core"])
class ActivityLogListView(FlatListMixin, generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = ActivityLogSerializer
    filterset_class = ActivityLogFilter
    search_fields = ["actor_email", "entity_repr", "entity_id"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return activity_log_list()
