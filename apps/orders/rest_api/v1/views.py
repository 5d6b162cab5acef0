import hashlib
import hmac
import json

import stripe
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, NotFound
from apps.core.flat_rows import FlatListMixin
from apps.core.idempotency import idempotent
from apps.core.permissions import HasRole
from apps.core.roles import ADMIN, FINANCE, STAFF_ROLES, has_role
from apps.orders import selectors
from apps.orders.filters import OrderFilter, PaymentFilter
from apps.orders.models import Order, Payment, payment_job_id
from apps.orders.services import carts, checkout, refunds, webhooks
from apps.orders.services import status as order_status

from . import webhook_payloads
from .serializers import (
    CancelSerializer,
    CartCreateSerializer,
    CartItemAddSerializer,
    CartItemUpdateSerializer,
    CartSerializer,
    CheckoutResultSerializer,
    CheckoutSerializer,
    OrderDetailSerializer,
    OrderListSerializer,
    PaymentSerializer,
    RefundCreateSerializer,
    RefundSerializer,
    TransitionSerializer,
)

CART_TAG, ORDER_TAG, PAY_TAG = ["carts"], ["orders"], ["payments"]
CART_TOKEN = OpenApiParameter(
    "X-Cart-Token",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The token of an anonymous cart.",
)
PUBLIC_AUTH = [{}, {"jwtAuth": []}]


def _cart(request, cart_id, *, for_update=False):
    return carts.cart_for_caller(
        cart_id=cart_id, user=request.user, token=request.headers.get("X-Cart-Token"), for_update=for_update
    )


def _cart_response(cart, code=status.HTTP_200_OK):
    return Response(CartSerializer(selectors.cart_detail(cart=cart)).data, status=code)


class CartCreateView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=CART_TAG, request=CartCreateSerializer, responses={201: CartSerializer}, auth=PUBLIC_AUTH
    )
    def post(self, request):
        data = CartCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = carts.cart_create(currency=data.validated_data["currency"], owner=request.user)
        return _cart_response(cart, status.HTTP_201_CREATED)


class CartDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=CART_TAG, parameters=[CART_TOKEN], responses=CartSerializer, auth=PUBLIC_AUTH)
    def get(self, request, cart_id):
        return _cart_response(_cart(request, cart_id))


class CartItemsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=CART_TAG,
        parameters=[CART_TOKEN],
        request=CartItemAddSerializer,
        responses={201: CartSerializer},
        auth=PUBLIC_AUTH,
    )
    def post(self, request, cart_id):
        data = CartItemAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = carts.cart_item_add(
            cart_id=cart_id,
            user=request.user,
            token=request.headers.get("X-Cart-Token"),
            **data.validated_data,
        )
        return _cart_response(cart, status.HTTP_201_CREATED)


class CartItemView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=CART_TAG,
        parameters=[CART_TOKEN],
        request=CartItemUpdateSerializer,
        responses=CartSerializer,
        auth=PUBLIC_AUTH,
    )
    def patch(self, request, cart_id, item_id):
        cart = _cart(request, cart_id)
        data = CartItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        carts.cart_item_update(cart=cart, item_id=item_id, quantity=data.validated_data["quantity"])
        return _cart_response(cart)

    @extend_schema(tags=CART_TAG, parameters=[CART_TOKEN], responses=CartSerializer, auth=PUBLIC_AUTH)
    def delete(self, request, cart_id, item_id):
        cart = _cart(request, cart_id)
        carts.cart_item_remove(cart=cart, item_id=item_id)
        return _cart_response(cart)


class CartClaimView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=CART_TAG, parameters=[CART_TOKEN], request=None, responses=CartSerializer)
    def post(self, request, cart_id):
        cart = carts.cart_for_caller(cart_id=cart_id, user=None, token=request.headers.get("X-Cart-Token"))
        return _cart_response(carts.cart_claim(cart=cart, user=request.user))


def _anonymous_checkout_scope(request) -> str:
    return f"cart-token:{request.headers.get('X-Cart-Token', '')}"


class CheckoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=ORDER_TAG,
        parameters=[CART_TOKEN],
        request=CheckoutSerializer,
        responses={201: CheckoutResultSerializer},
        auth=PUBLIC_AUTH,
    )
    @idempotent(required=True, anonymous_scope=_anonymous_checkout_scope)
    def post(self, request):
        data = CheckoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Locked at once: the view runs inside the idempotency record's transaction.
        cart = _cart(request, data.validated_data["cart_id"], for_update=True)
        result = checkout.checkout_in_transaction(  # the idempotency record's transaction
            cart=cart,
            cart_locked=True,
            email=data.validated_data["email"],
            shipping_address=data.validated_data["shipping_address"],
            billing_address=data.validated_data["billing_address"],
            customer=request.user,
        )
        return Response(
            CheckoutResultSerializer({"order": result.order, "payment": result.payment}).data,
            status=status.HTTP_201_CREATED,
        )


class OrderListView(FlatListMixin, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderListSerializer
    filterset_class = OrderFilter
    search_fields = ["number", "email"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list(user=self.request.user)

    @extend_schema(tags=ORDER_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _order(request, number) -> Order:
    order = selectors.order_for_caller(user=request.user, number=number)
    if order is None:
        raise NotFound("No such order.")
    return order


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=ORDER_TAG, responses=OrderDetailSerializer)
    def get(self, request, number):
        return Response(OrderDetailSerializer(_order(request, number)).data)


class OrderCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=ORDER_TAG, request=CancelSerializer, responses=OrderDetailSerializer)
    @idempotent()
    def post(self, request, number):
        order = _order(request, number)
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = has_role(request.user, *STAFF_ROLES)
        order_status.order_cancel(
            order=order,
            actor=request.user,
            reason=data.validated_data["reason"],
            by_customer=not staff,
        )
        return Response(OrderDetailSerializer(_order(request, number)).data)


class OrderTransitionView(APIView):
    permission_classes = [HasRole.of(*STAFF_ROLES)]

    @extend_schema(tags=ORDER_TAG, request=TransitionSerializer, responses=OrderDetailSerializer)
    def post(self, request, number):
        order = _order(request, number)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_status.order_transition(
            order=order,
            target=data.validated_data["status"],
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(OrderDetailSerializer(_order(request, number)).data)


class OrderRefundView(APIView):
    permission_classes = [HasRole.of(FINANCE, ADMIN)]

    @extend_schema(tags=PAY_TAG, request=RefundCreateSerializer, responses={201: RefundSerializer})
    @idempotent()
    def post(self, request, number):
        order = _order(request, number)
        data = RefundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payments = order.payments.filter(status__in=refunds.REFUNDABLE)
        if data.validated_data.get("payment"):
            payments = payments.filter(pk=data.validated_data["payment"])
        payment = payments.order_by("-created_at").first()
        if payment is None:
            raise ApplicationError(
                "This order has no captured payment to refund.", code="not_refundable", attr="payment"
            )
        refund = refunds.refund_create(
            payment=payment,
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
            restock=data.validated_data["restock"],
            actor=request.user,
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class PaymentListView(FlatListMixin, generics.ListAPIView):
    permission_classes = [HasRole.of(FINANCE, ADMIN)]
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    search_fields = ["reference", "order__number"]

    def get_queryset(self):
        # The job paid for as a column, so that the page is read as values (``FlatListMixin``);
        # the annotation has the name of the model's property on purpose (its setter takes it).
        return (
            Payment.objects.select_related("order")
            .prefetch_related("refunds")
            .annotate(subject_job_id=payment_job_id())  # type: ignore[no-redef]
            .order_by("-created_at")
        )

    @extend_schema(tags=PAY_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


WEBHOOK_RESPONSES = {
    200: OpenApiResponse(
        description="Stored (or already stored); processed in the background. Paystack only: a "
        "signed event whose payload the processing cannot read is stored as rejected, and "
        "answered 200 with `rejected` (the reason), so that it is not retried for days."
    ),
    400: OpenApiResponse(
        description="Bad signature, or a body that is not an event: nothing stored. Stripe only: "
        "a signed event whose payload the processing cannot read (`invalid_payload`, the reason "
        "in `detail`): stored as rejected, nothing applied."
    ),
}


def _webhook_receive(*, provider: str, event_id: str, event_type: str, body) -> tuple:
    """Check a verified event against what its processing reads, then store it: accepted (and
    queued) or rejected with the reason. Returns (stored event, created, the first field at
    fault, the reason it was rejected or "")."""
    problems = webhook_payloads.payload_problems(provider=provider, type=event_type, payload=body)
    reason = "; ".join(f"{field or 'payload'}: {message}" for field, message in problems)
    stored, created = webhooks.webhook_store(
        provider=provider, event_id=event_id, type=event_type, payload=body, rejected=reason
    )
    if stored.rejected:
        reason = stored.error.removeprefix("rejected: ")
    return stored, created, (problems[0][0] if problems else None), reason if stored.rejected else ""


class StripeWebhookView(APIView):
    """Stripe's events (and the offline provider's, in development)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(tags=PAY_TAG, request=None, responses=WEBHOOK_RESPONSES, auth=[{}])
    def post(self, request):
        payload = request.body
        try:
            stripe.Webhook.construct_event(
                payload, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
            )
            body = json.loads(payload)
            event_id, event_type = str(body["id"]), str(body["type"])
        except stripe.SignatureVerificationError as exc:
            raise ApplicationError(
                "The Stripe-Signature header does not verify.", code="invalid_signature"
            ) from exc
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise ApplicationError("The body is not a Stripe event.", code="invalid_payload") from exc
        stored, created, field, rejected = _webhook_receive(
            provider="stripe", event_id=event_id, event_type=event_type, body=body
        )
        if rejected:
            # Stripe shows the failed delivery (with this answer) in its dashboard and retries
            # for a few days at most; it can be resent from there once the cause is fixed.
            raise ApplicationError(
                f"This {stored.type} event cannot be processed: {rejected}",
                code="invalid_payload",
                attr=field,
            )
        return Response({"received": True, "duplicate": not created, "event": stored.event_id})


class PaystackWebhookView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(tags=PAY_TAG, request=None, responses=WEBHOOK_RESPONSES, auth=[{}])
    def post(self, request):
        payload = request.body
        signature = request.headers.get("X-Paystack-Signature", "")
        expected = hmac.new(settings.PAYSTACK_SECRET_KEY.encode(), payload, hashlib.sha512).hexdigest()
        if not settings.PAYSTACK_SECRET_KEY or not hmac.compare_digest(signature, expected):
            raise ApplicationError(
                "The x-paystack-signature header does not verify.", code="invalid_signature"
            )
        try:
            event = json.loads(payload)
            data = event["data"]
            event_id = f"{event['event']}:{data.get('id') or data['reference']}"
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise ApplicationError("The body is not a Paystack event.", code="invalid_payload") from exc
        stored, created, _, rejected = _webhook_receive(
            provider="paystack", event_id=event_id, event_type=str(event["event"]), body=event
        )
        answer = {"received": True, "duplicate": not created, "event": stored.event_id}
        if rejected:
            # 200 all the same: Paystack would resend the same body for days, to be rejected
            # the same way each time; it is kept here as rejected, for the admin (docs/payments.md).
            answer["rejected"] = rejected
        return Response(answer)
