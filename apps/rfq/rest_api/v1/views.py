import hashlib

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import has_role, is_staff_member
from apps.core.errors import ApplicationError, NotFound
from apps.core.idempotency import idempotent
from apps.core.permissions import HasRole
from apps.core.roles import ADMIN, SALES
from apps.orders import api as orders
from apps.rfq import selectors
from apps.rfq.filters import RFQFilter
from apps.rfq.models import RFQ, Quote
from apps.rfq.services import quotes, rfqs
from apps.rfq.throttles import RFQBurstThrottle, RFQDailyThrottle

from .serializers import (
    QuoteAcceptedSerializer,
    QuoteAcceptSerializer,
    QuoteCreateSerializer,
    QuoteDeclineSerializer,
    QuoteSerializer,
    QuoteStaffSerializer,
    RFQCreatedSerializer,
    RFQCreateSerializer,
    RFQDetailSerializer,
    RFQListSerializer,
    RFQStaffDetailSerializer,
    RFQStaffListSerializer,
    RFQUpdateSerializer,
)

TAG = ["rfq"]
PUBLIC_AUTH = [{}, {"jwtAuth": []}]
TOKEN = OpenApiParameter(
    "token",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="The quote's public token (the email link), for a requester not signed in.",
)
IsSales = HasRole.of(SALES, ADMIN)


def _rfq(request, rfq_id) -> RFQ:
    rfq = selectors.rfq_for_caller(user=request.user, rfq_id=rfq_id)
    if rfq is None:
        raise NotFound("No such RFQ.")
    return rfq


def _detail(request, rfq_id) -> Response:
    rfq = _rfq(request, rfq_id)
    serializer = RFQStaffDetailSerializer if is_staff_member(request.user) else RFQDetailSerializer
    return Response(serializer(rfq).data)


class RFQListCreateView(generics.ListAPIView):
    """GET: the RFQs the caller may see (staff: all, or a sales user's assigned ones; customers:
    their own). POST (public, throttled per IP): submit an RFQ."""

    filterset_class = RFQFilter
    search_fields = ["number", "email", "company", "full_name"]
    ordering_fields = ["created_at", "number", "status"]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST" and not is_staff_member(self.request.user):
            return [RFQBurstThrottle(), RFQDailyThrottle()]
        return []

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or is_staff_member(self.request.user):
            return RFQStaffListSerializer
        return RFQListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RFQ.objects.none()
        return selectors.rfq_list(user=self.request.user)

    @extend_schema(
        tags=TAG,
        description="Staff see every RFQ (a sales user without the model-wide rfq.view_rfq "
        "permission: those assigned to them); customers their own. Staff rows add "
        "assigned_to, customer and inquiry_id.",
        responses=PolymorphicProxySerializer(
            component_name="RFQListItem",
            serializers=[RFQStaffListSerializer, RFQListSerializer],
            resource_type_field_name=None,
            many=True,
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        request=RFQCreateSerializer,
        responses={201: RFQCreatedSerializer},
        auth=PUBLIC_AUTH,
        description="Public (throttled per IP) or signed in (the RFQ is linked to the customer "
        "account). The requester gets a confirmation email, sales an alert.",
    )
    def post(self, request):
        data = RFQCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        user = request.user
        staff = is_staff_member(user)
        # A sales user who sees only assigned RFQs keeps the ones they enter for a customer.
        keeper = user if staff and has_role(user, SALES) and not user.has_perm("rfq.view_rfq") else None
        rfq = rfqs.rfq_create(
            **data.validated_data,
            customer=user if user.is_authenticated and not staff else None,
            assigned_to=keeper,
            actor=user if user.is_authenticated else None,
        )
        rfq = RFQ.objects.select_related("product_category").prefetch_related("items__product").get(pk=rfq.pk)
        return Response(RFQCreatedSerializer(rfq).data, status=status.HTTP_201_CREATED)


class RFQDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        responses=RFQStaffDetailSerializer,
        description="Staff (as in the list) and the RFQ's customer; the customer's view leaves out "
        "staff notes, the assignee and draft quotes.",
    )
    def get(self, request, rfq_id):
        return _detail(request, rfq_id)

    @extend_schema(
        tags=TAG,
        request=RFQUpdateSerializer,
        responses=RFQStaffDetailSerializer,
        description="Staff who may change RFQs: `status` through the state machine (invalid → 409 "
        "invalid_transition), `assigned_to` (a sales user; object permissions follow), `notes`.",
    )
    def patch(self, request, rfq_id):
        rfq = _rfq(request, rfq_id)
        user = request.user
        if not is_staff_member(user) or not (
            user.has_perm("rfq.change_rfq") or user.has_perm("rfq.change_rfq", rfq)
        ):
            return self.permission_denied(request, message="Your role does not allow changing RFQs.")
        data = RFQUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "assigned_to" in changes and changes["assigned_to"] is not None:
            assignee = get_user_model().objects.filter(pk=changes["assigned_to"], is_active=True).first()
            if assignee is None:
                raise ApplicationError("No such active user.", code="invalid_assignee", attr="assigned_to")
            changes["assigned_to"] = assignee
        rfqs.rfq_update(rfq=rfq, data=changes, actor=user)
        return _detail(request, rfq_id)


class RFQQuoteCreateView(APIView):
    permission_classes = [IsSales]

    @extend_schema(
        tags=TAG,
        request=QuoteCreateSerializer,
        responses={201: QuoteStaffSerializer},
        description="Sales: the RFQ's next quote version, in draft (a line's unit_price defaults to "
        "the catalog price in the currency); the previous open version is superseded.",
    )
    @idempotent()
    def post(self, request, rfq_id):
        rfq = _rfq(request, rfq_id)
        data = QuoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quotes.quote_create(
            rfq=rfq,
            currency=data.validated_data["currency"],
            valid_until=data.validated_data.get("valid_until"),
            lines=data.validated_data["lines"],
            notes=data.validated_data["notes"],
            actor=request.user,
        )
        return Response(QuoteStaffSerializer(_staff_quote(quote.pk)).data, status=status.HTTP_201_CREATED)


def _staff_quote(quote_id) -> Quote:
    return (
        Quote.objects.select_related("rfq", "order", "created_by").prefetch_related("lines").get(pk=quote_id)
    )


class RFQQuoteSendView(APIView):
    permission_classes = [IsSales]

    @extend_schema(
        tags=TAG,
        request=None,
        responses=QuoteStaffSerializer,
        description="Sales: email the quote to the requester (HTML + text, lines and totals, the "
        "accept/decline link); the RFQ becomes `quoted`. Sending a sent quote again repeats the email.",
    )
    def post(self, request, rfq_id, quote_id):
        rfq = _rfq(request, rfq_id)
        quote = selectors.quote_of_rfq(rfq=rfq, quote_id=quote_id)
        if quote is None:
            raise NotFound("No such quote.")
        quotes.quote_send(quote=quote, actor=request.user)
        return Response(QuoteStaffSerializer(_staff_quote(quote.pk)).data)


def _token(request) -> str:
    body = request.data if hasattr(request.data, "get") else {}
    return str(request.query_params.get("token") or body.get("token") or "").strip()


def _quote_for_customer(request, quote_id) -> Quote:
    quote = selectors.quote_for_customer(user=request.user, quote_id=quote_id, token=_token(request))
    if quote is None:
        raise NotFound("No such quote.")
    return quote


def _token_scope(request) -> str:
    """Idempotency keys of callers not signed in are scoped by the quote token they present."""
    return "quote-token:" + hashlib.sha256(_token(request).encode()).hexdigest()[:32]


class QuoteDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        parameters=[TOKEN],
        responses=QuoteSerializer,
        auth=PUBLIC_AUTH,
        description="A sent quote, for the RFQ's customer or anyone holding its token (the link in "
        "the quote email). Anyone else → 404.",
    )
    def get(self, request, quote_id):
        return Response(QuoteSerializer(_quote_for_customer(request, quote_id)).data)


def _is_quote_customer(request, quote: Quote) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and quote.rfq.customer_id == user.pk)


def _accepted_body(accepted, *, with_payment: bool) -> dict:
    payment = accepted.payment if with_payment else None
    return QuoteAcceptedSerializer(
        {
            "order": orders.order_summary(order=accepted.order),
            "payment": (
                {
                    "provider": payment.provider,
                    "reference": payment.reference,
                    "client_secret": payment.client_secret,
                }
                if payment is not None
                else None
            ),
            "quote": {
                "id": accepted.quote.pk,
                "version": accepted.quote.version,
                "status": accepted.quote.status,
            },
        }
    ).data


class QuoteAcceptView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        parameters=[TOKEN],
        request=QuoteAcceptSerializer,
        responses={
            201: QuoteAcceptedSerializer,
            200: OpenApiResponse(
                QuoteAcceptedSerializer,
                description="Already accepted: the same order (payment null for a token holder).",
            ),
        },
        auth=PUBLIC_AUTH,
        description="The quote's customer (signed in) or the holder of its token: an order in "
        "pending_payment at the quoted prices with the quote's shipping and tax (its total is the "
        "quote's), stock held until the end of the quote's validity (at most "
        "RFQ_ACCEPTED_ORDER_HOLD_DAYS), the payment started; the RFQ is won. `shipping_address` is "
        "required (400). Draft, declined, superseded or expired quote → 409; a quote of a closed "
        "RFQ → 409 quote_withdrawn; not enough stock → 409.\n\n"
        "Accepting an accepted quote again places nothing: 200 with the same order. The payment "
        "(its client_secret) is in that answer only for the RFQ's signed-in customer; a token "
        "holder gets the order summary with `payment: null` (the token is a link in an email and "
        "may have been forwarded; the first answer, which had the payment, is replayed to whoever "
        "repeats the same Idempotency-Key and body). If the quote's order was cancelled (not paid "
        "in time), accepting again places a new order (201) while the quote is valid, else 409 "
        "quote_order_cancelled.",
    )
    @idempotent(anonymous_scope=_token_scope)
    def post(self, request, quote_id):
        quote = _quote_for_customer(request, quote_id)
        data = QuoteAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accepted = quotes.quote_accept(
            quote=quote,
            actor=request.user,
            shipping_address=data.validated_data["shipping_address"],
            billing_address=data.validated_data["billing_address"],
        )
        code = status.HTTP_201_CREATED if accepted.created else status.HTTP_200_OK
        with_payment = accepted.created or _is_quote_customer(request, quote)
        return Response(_accepted_body(accepted, with_payment=with_payment), status=code)


class QuoteDeclineView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        parameters=[TOKEN],
        request=QuoteDeclineSerializer,
        responses=QuoteSerializer,
        auth=PUBLIC_AUTH,
        description="The quote's customer or the holder of its token declines (with an optional "
        "reason): the RFQ is lost. Declining again changes nothing; an accepted, superseded or "
        "expired quote → 409; a quote of a closed RFQ → 409 quote_withdrawn.",
    )
    def post(self, request, quote_id):
        quote = _quote_for_customer(request, quote_id)
        data = QuoteDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quotes.quote_decline(quote=quote, actor=request.user, reason=data.validated_data["reason"])
        return Response(QuoteSerializer(_quote_for_customer(request, quote_id)).data)
