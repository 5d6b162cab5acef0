from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.api import variant_by_sku
from apps.core.errors import NotFound
from apps.core.flat_rows import FlatListMixin
from apps.core.idempotency import idempotent
from apps.core.pagination import CursorPagination
from apps.core.permissions import HasRole
from apps.core.roles import ADMIN, LOGISTICS, STAFF_ROLES
from apps.inventory import selectors, services
from apps.inventory.filters import StockLevelFilter, StockMovementFilter
from apps.inventory.models import StockLevel

from .serializers import (
    AdjustmentResultSerializer,
    AdjustmentSerializer,
    StockLevelSerializer,
    StockMovementSerializer,
)

TAG = ["inventory"]
IsStaff = HasRole.of(*STAFF_ROLES)


class StockLevelListView(FlatListMixin, generics.ListAPIView):
    permission_classes = [IsStaff]
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database needed
            return StockLevel.objects.none()
        return selectors.stock_level_list()

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LedgerCursorPagination(CursorPagination):
    """The ledger grows without bound: cursor pages (``next``/``previous`` links), newest first."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StockMovementListView(FlatListMixin, generics.ListAPIView):
    permission_classes = [IsStaff]
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    pagination_class = LedgerCursorPagination

    def get_queryset(self):
        return selectors.stock_movement_list()

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AdjustmentView(APIView):
    permission_classes = [HasRole.of(LOGISTICS, ADMIN)]

    @extend_schema(tags=TAG, request=AdjustmentSerializer, responses={201: AdjustmentResultSerializer})
    @idempotent()
    def post(self, request):
        data = AdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = variant_by_sku(sku=data.validated_data["sku"])
        if variant is None:
            raise NotFound(f"No variant with SKU {data.validated_data['sku']!r}.", attr="sku")
        warehouse = services.warehouse_get(code=data.validated_data["warehouse"])
        movement = services.stock_adjust(
            variant=variant,
            warehouse=warehouse,
            quantity_delta=data.validated_data["quantity_delta"],
            reason=data.validated_data["reason"],
            note=data.validated_data["note"],
            actor=request.user,
        )
        stock = selectors.stock_level_list().get(pk=movement.stock_level_id)
        return Response(
            AdjustmentResultSerializer({"movement": movement, "stock": stock}).data,
            status=status.HTTP_201_CREATED,
        )
