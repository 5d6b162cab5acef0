from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import NotFound
from apps.core.permissions import HasRole, IsAdminRole
from apps.core.roles import ADMIN, SUPPORT
from apps.notifications import selectors
from apps.notifications.filters import EmailMessageFilter, NotificationFilter
from apps.notifications.models import EmailMessage, Notification
from apps.notifications.services import broadcasts, inapp, outbox

from .serializers import (
    BroadcastCreateSerializer,
    BroadcastSerializer,
    EmailMessageSerializer,
    EmailTestInputSerializer,
    EmailTestResultSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
)

EMAIL_TAG, NOTIFY_TAG = ["email"], ["notifications"]
EmailStaff = HasRole.of(ADMIN, SUPPORT)


class EmailQueueView(generics.ListAPIView):
    """The outbox: every email of the platform with its status, attempts and last error
    (bodies are not listed; staff see them in the admin)."""

    permission_classes = [EmailStaff]
    serializer_class = EmailMessageSerializer
    filterset_class = EmailMessageFilter
    search_fields = ["subject"]
    ordering_fields = ["created_at", "sent_at", "attempts"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EmailMessage.objects.none()
        return selectors.email_list()

    @extend_schema(tags=EMAIL_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EmailRetryView(APIView):
    permission_classes = [EmailStaff]

    @extend_schema(tags=EMAIL_TAG, request=None, responses={202: EmailMessageSerializer})
    def post(self, request, email_id):
        message = selectors.email_list().filter(pk=email_id).first()
        if message is None:
            raise NotFound("No such email.")
        message = outbox.email_retry(message=message, actor=request.user)
        return Response(EmailMessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class BroadcastCreateView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(tags=NOTIFY_TAG, request=BroadcastCreateSerializer, responses={202: BroadcastSerializer})
    def post(self, request):
        data = BroadcastCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        broadcast = broadcasts.broadcast_create(**data.validated_data, actor=request.user)
        broadcast = selectors.broadcast_list().get(pk=broadcast.pk)
        return Response(BroadcastSerializer(broadcast).data, status=status.HTTP_202_ACCEPTED)


class BroadcastDetailView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(tags=NOTIFY_TAG, responses=BroadcastSerializer)
    def get(self, request, broadcast_id):
        broadcast = selectors.broadcast_list().filter(pk=broadcast_id).first()
        if broadcast is None:
            raise NotFound("No such broadcast.")
        return Response(BroadcastSerializer(broadcast).data)


class NotificationListView(generics.ListAPIView):
    """The caller's in-app notifications, newest first (``?unread=true`` for the unread)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(tags=NOTIFY_TAG)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=NOTIFY_TAG, request=None, responses=NotificationSerializer)
    def post(self, request, notification_id):
        notification = inapp.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(notification).data)


class NotificationPreferenceView(APIView):
    """The caller's opt-in to text channels (SMS, WhatsApp) for order and job updates."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=NOTIFY_TAG, responses=NotificationPreferenceSerializer)
    def get(self, request):
        return Response(NotificationPreferenceSerializer(selectors.preference_get(user=request.user)).data)

    @extend_schema(
        tags=NOTIFY_TAG, request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer
    )
    def patch(self, request):
        data = NotificationPreferenceSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preference = inapp.preference_update(user=request.user, data=data.validated_data)
        return Response(NotificationPreferenceSerializer(preference).data)


class EmailTestView(APIView):
    """Sends a test email through the outbox and the configured provider."""

    permission_classes = [IsAdminRole]

    @extend_schema(
        tags=["core"], request=EmailTestInputSerializer, responses={202: EmailTestResultSerializer}
    )
    def post(self, request):
        data = EmailTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = data.validated_data.get("to") or request.user.email
        message = outbox.email_queue(
            to=to, template="email_test", context={"provider": settings.EMAIL_PROVIDER}
        )
        return Response({"status": "queued", "to": to, "id": message.pk}, status=status.HTTP_202_ACCEPTED)
