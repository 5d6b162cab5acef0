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
