from apps.core.urls import optional_slash

from .views import ActivityLogListView, EmailTestView, HealthView, SiteSettingsView, StatusView

urlpatterns = [
    *optional_slash("health", HealthView.as_view(), name="health"),
    *optional_slash("status", StatusView.as_view(), name="status"),
    *optional_slash("settings", SiteSettingsView.as_view(), name="site-settings"),
    *optional_slash("settings/email-test", EmailTestView.as_view(), name="site-settings-email-test"),
    *optional_slash("activity-logs", ActivityLogListView.as_view(), name="activity-log-list"),
]
