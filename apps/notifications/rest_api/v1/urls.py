from apps.core.urls import optional_slash
from apps.notifications.webhooks import esp_tracking_webhook

from . import views

urlpatterns = [
    *optional_slash("email/queue", views.EmailQueueView.as_view(), name="email-queue"),
    *optional_slash("email/<uuid:email_id>/retry", views.EmailRetryView.as_view(), name="email-retry"),
    *optional_slash("notifications", views.NotificationListView.as_view(), name="notification-list"),
    *optional_slash(
        "notifications/preferences",
        views.NotificationPreferenceView.as_view(),
        name="notification-preferences",
    ),
    *optional_slash(
        "notifications/<uuid:notification_id>/read",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    *optional_slash("notifications/broadcast", views.BroadcastCreateView.as_view(), name="broadcast-create"),
    *optional_slash(
        "notifications/broadcasts/<uuid:broadcast_id>",
        views.BroadcastDetailView.as_view(),
        name="broadcast-detail",
    ),
    *optional_slash("settings/email-test", views.EmailTestView.as_view(), name="site-settings-email-test"),
    # django-anymail's ESP delivery-tracking webhooks (404 until their secret is configured).
    *optional_slash("webhooks/email/<str:esp>/tracking", esp_tracking_webhook, name="email-tracking-webhook"),
]
