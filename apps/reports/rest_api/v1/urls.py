from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("export/<str:dataset>", views.ExportView.as_view(), name="export"),
    *optional_slash("reports", views.ReportListCreateView.as_view(), name="reports"),
    *optional_slash("reports/<uuid:report_id>", views.ReportDetailView.as_view(), name="report-detail"),
    *optional_slash(
        "reports/<uuid:report_id>/download", views.ReportDownloadView.as_view(), name="report-download"
    ),
]

urlpatterns += [
    *optional_slash("analytics/events", views.AnalyticsEventView.as_view(), name="analytics-events"),
    *optional_slash("analytics/overview", views.AnalyticsOverviewView.as_view(), name="analytics-overview"),
    *optional_slash(
        "analytics/inquiries", views.AnalyticsInquiriesView.as_view(), name="analytics-inquiries"
    ),
    *optional_slash(
        "analytics/rfq-funnel", views.AnalyticsRFQFunnelView.as_view(), name="analytics-rfq-funnel"
    ),
    *optional_slash("analytics/export", views.AnalyticsExportView.as_view(), name="analytics-export"),
]
