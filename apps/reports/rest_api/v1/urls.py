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

urlpatterns += [
    *optional_slash("finance/revenue", views.FinanceRevenueView.as_view(), name="finance-revenue"),
    *optional_slash("finance/payments", views.FinancePaymentsView.as_view(), name="finance-payments"),
    *optional_slash("finance/refunds", views.FinanceRefundsView.as_view(), name="finance-refunds"),
    *optional_slash(
        "finance/outstanding", views.FinanceOutstandingView.as_view(), name="finance-outstanding"
    ),
]
