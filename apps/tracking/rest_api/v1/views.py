from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, NotFound
from apps.core.permissions import HasRole, IsStaffRole
from apps.core.roles import ADMIN, LOGISTICS
from apps.orders import api as orders
from apps.tracking import selectors, services
from apps.tracking.filters import CarrierFilter
from apps.tracking.models import Carrier
from apps.tracking.throttles import TrackingLookupThrottle

from .serializers import (
    CarrierSerializer,
    EventResultSerializer,
    OrderTimelineSerializer,
    PublicTrackingSerializer,
    ShipmentCreateSerializer,
    ShipmentEventInSerializer,
    ShipmentSerializer,
    WebhookResultSerializer,
)

TAG = ["tracking"]
IsLogistics = HasRole.of(LOGISTICS, ADMIN)


def _shipment_out(pk) -> dict:
    return ShipmentSerializer(selectors.shipment_detail(pk=pk)).data


class CarrierListView(generics.ListAPIView):
    """Staff: the carriers a shipment can name (``carrier`` in POST /shipments is a ``code``
    from this list). Filter ``is_active``; ``search`` in code and name."""

    permission_classes = [IsStaffRole]
    serializer_class = CarrierSerializer
    filterset_class = CarrierFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.carrier_list()

    @extend_schema(tags=TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ShipmentCreateView(APIView):
    """Logistics: ship some or all of a paid order's lines with a carrier: ``carrier`` is an
    active carrier's ``code`` from ``GET /api/v1/carriers``."""

    permission_classes = [IsLogistics]

    @extend_schema(tags=TAG, request=ShipmentCreateSerializer, responses={201: ShipmentSerializer})
    def post(self, request):
        data = ShipmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = orders.order_for_caller(user=request.user, number=values["order"])
        if order is None:
            raise ApplicationError(f"No order {values['order']}.", attr="order")
        carrier = Carrier.objects.filter(code=values["carrier"]).first()
        if carrier is None:
            raise ApplicationError(
                f"No carrier '{values['carrier']}'. The codes are listed by GET /api/v1/carriers.",
                attr="carrier",
            )
        lines = [
            {**line, "line": str(line["line"]) if line.get("line") else None}
            for line in values.get("lines", [])
        ]
        shipment = services.shipment_create(
            order=order,
            carrier=carrier,
            tracking_number=values["tracking_number"],
            lines=lines or None,
            actor=request.user,
        )
        return Response(_shipment_out(shipment.pk), status=status.HTTP_201_CREATED)


class ShipmentDetailView(APIView):
    permission_classes = [IsLogistics]

    @extend_schema(tags=TAG, responses=ShipmentSerializer)
    def get(self, request, shipment_id):
        shipment = selectors.shipment_detail(pk=shipment_id)
        if shipment is None:
            raise NotFound("No such shipment.")
        return Response(ShipmentSerializer(shipment).data)


class ShipmentEventView(APIView):
    """Logistics: record an event. The shipment workflow decides: an invalid move → 409
    ``invalid_transition`` naming the allowed next states; a late event is recorded only."""

    permission_classes = [IsLogistics]

    @extend_schema(tags=TAG, request=ShipmentEventInSerializer, responses={201: EventResultSerializer})
    def post(self, request, shipment_id):
        shipment = selectors.shipment_get(pk=shipment_id)
        if shipment is None:
            raise NotFound("No such shipment.")
        data = ShipmentEventInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event, moved = services.shipment_event_record(
            shipment=shipment, actor=request.user, **data.validated_data
        )
        body = {"event": event, "moved": moved, "shipment": selectors.shipment_detail(pk=shipment.pk)}
        return Response(EventResultSerializer(body).data, status=status.HTTP_201_CREATED)


class CarrierWebhookView(APIView):
    """A carrier's status events, signed with its shared secret: header
    ``X-Foundry-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. Body
    ``{event_id, tracking_number, status, occurred_at, location?, note?}``; ``status`` in the
    carrier's vocabulary (mapped by the carrier's status map) or ours. Stored once per event id."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(
        tags=TAG,
        request=None,
        responses={
            200: WebhookResultSerializer,
            400: OpenApiResponse(description="Bad signature or payload: nothing stored."),
            404: OpenApiResponse(description="Unknown carrier or tracking number."),
            409: OpenApiResponse(description="The workflow refuses the move: nothing stored."),
        },
        auth=[{}],
    )
    def post(self, request, carrier):
        result = services.carrier_webhook_receive(
            carrier_code=carrier,
            body=request.body,
            signature=request.headers.get(services.SIGNATURE_HEADER, ""),
        )
        return Response(result)


class OrderTrackingView(APIView):
    """The order's owner and staff: the order's status history merged with its shipments'
    events, oldest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, responses=OrderTimelineSerializer)
    def get(self, request, number):
        order = orders.order_for_caller(user=request.user, number=number)
        if order is None:
            raise NotFound("No such order.")
        return Response(OrderTimelineSerializer(selectors.order_timeline(order=order)).data)


class PublicTrackingView(APIView):
    """Anyone with the tracking code: status, dates and coarse locations; no personal data."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackingLookupThrottle]

    @extend_schema(tags=TAG, responses=PublicTrackingSerializer, auth=[{}, {"jwtAuth": []}])
    def get(self, request, tracking_code):
        # The answer is the same for everyone until the shipment's next event, which drops it
        # from the cache (streams.publish_on_commit); TRACKING_PUBLIC_CACHE_SECONDS bounds it.
        key, seconds = (
            selectors.public_tracking_key(code=tracking_code),
            settings.TRACKING_PUBLIC_CACHE_SECONDS,
        )
        data = cache.get(key) if seconds else None
        if data is None:
            found = selectors.public_tracking(code=tracking_code)
            if found is None:
                raise NotFound("No shipment with this tracking code.")
            serialized = PublicTrackingSerializer(found).data
            data = {**serialized, "events": [dict(event) for event in serialized["events"]]}
            if seconds:
                cache.set(key, data, seconds)
        return Response(data)


# --- Live updates (ASGI) -------------------------------------------------------------------------


async def track_stream(request, tracking_code):
    """``GET /api/v1/track/{code}/stream``: Server-Sent Events of the shipment's public events
    (``apps.tracking.streams``). Served by the ASGI app; a WSGI worker would be held for the
    whole stream, so outside DEBUG it is refused there with 501."""
    from asgiref.sync import sync_to_async
    from django.core.handlers.asgi import ASGIRequest
    from django.http import JsonResponse, StreamingHttpResponse

    from apps.core.exceptions import error_body
    from apps.tracking import streams

    if request.method != "GET":
        return JsonResponse(error_body(405, "method_not_allowed", f'Method "{request.method}" not allowed.'),
                            status=405)  # fmt: skip
    served_by_asgi = isinstance(request, ASGIRequest)
    if not served_by_asgi and not settings.DEBUG:
        return JsonResponse(
            error_body(
                501,
                "asgi_required",
                "The live stream is served by the ASGI app (uvicorn); see docs/operations.md.",
            ),
            status=501,
        )
    throttle = TrackingLookupThrottle()
    if not await sync_to_async(throttle.allow_request)(request, None):  # reads request.user: sync
        wait = throttle.wait()
        response = JsonResponse(error_body(429, "throttled", "Too many requests."), status=429)
        if wait:
            response["Retry-After"] = str(int(wait) + 1)
        return response
    shipment = await streams._shipment(tracking_code)
    if shipment is None:
        return JsonResponse(error_body(404, "not_found", "No shipment with this tracking code."), status=404)
    raw_last = request.headers.get("Last-Event-ID", "").strip()
    last = int(raw_last) if raw_last.isdigit() else 0
    frames = (
        streams.event_stream(shipment, last_event_id=last)
        if served_by_asgi
        else streams.event_stream_polling(shipment, last_event_id=last)  # the development server
    )
    response = StreamingHttpResponse(frames, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
