from apps.core.urls import optional_slash

from .views import ActivityLogListView, HealthView, SiteSettingsView, StatusView

urlpatterns = [
    *optional_slash("health", HealthView.as_view(), name="health"),
    *optional_slash("status", StatusView.as_view(), name="status"),
    *optional_slash("settings", SiteSettingsView.as_view(), name="site-settings"),
    # settings/email-test is served by the notifications app (it sends through the outbox).
    *optional_slash("activity-logs", ActivityLogListView.as_view(), name="activity-log-list"),
]
