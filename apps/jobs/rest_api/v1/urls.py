from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("service-types", views.ServiceTypeListView.as_view(), name="service-types"),
    *optional_slash("jobs", views.JobListCreateView.as_view(), name="jobs"),
    *optional_slash("jobs/<uuid:job_id>", views.JobDetailView.as_view(), name="job-detail"),
    *optional_slash("jobs/<uuid:job_id>/status", views.JobStatusView.as_view(), name="job-status"),
    *optional_slash("jobs/<uuid:job_id>/decline", views.JobDeclineView.as_view(), name="job-decline"),
    *optional_slash("jobs/<uuid:job_id>/match", views.JobMatchView.as_view(), name="job-match"),
    *optional_slash("jobs/<uuid:job_id>/estimate", views.JobEstimateView.as_view(), name="job-estimate"),
    *optional_slash(
        "jobs/<uuid:job_id>/payment-intent",
        views.JobPaymentIntentView.as_view(),
        name="job-payment-intent",
    ),
    *optional_slash(
        "dashboard/provider/summary", views.ProviderSummaryView.as_view(), name="provider-summary"
    ),
    *optional_slash(
        "dashboard/provider/ongoing", views.ProviderOngoingView.as_view(), name="provider-ongoing"
    ),
    *optional_slash(
        "dashboard/provider/upcoming", views.ProviderUpcomingView.as_view(), name="provider-upcoming"
    ),
    *optional_slash(
        "dashboard/provider/earnings", views.ProviderEarningsView.as_view(), name="provider-earnings"
    ),
    *optional_slash(
        "dashboard/provider/job-requests",
        views.ProviderJobRequestsView.as_view(),
        name="provider-job-requests",
    ),
]
