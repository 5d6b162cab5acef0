from apps.core.urls import optional_slash

from . import job_views, views

urlpatterns = [
    *optional_slash("carriers", views.CarrierListView.as_view(), name="carrier-list"),
    *optional_slash("shipments", views.ShipmentCreateView.as_view(), name="shipment-create"),
    *optional_slash(
        "shipments/<uuid:shipment_id>", views.ShipmentDetailView.as_view(), name="shipment-detail"
    ),
    *optional_slash(
        "shipments/<uuid:shipment_id>/events", views.ShipmentEventView.as_view(), name="shipment-events"
    ),
    *optional_slash(
        "webhooks/carriers/<slug:carrier>", views.CarrierWebhookView.as_view(), name="webhook-carrier"
    ),
    *optional_slash("orders/<str:number>/tracking", views.OrderTrackingView.as_view(), name="order-tracking"),
    *optional_slash("track/<str:tracking_code>", views.PublicTrackingView.as_view(), name="track"),
    *optional_slash("track/<str:tracking_code>/stream", views.track_stream, name="track-stream"),
]

urlpatterns += [
    *optional_slash("service-types", job_views.ServiceTypeListView.as_view(), name="service-types"),
    *optional_slash("jobs", job_views.JobListCreateView.as_view(), name="jobs"),
    *optional_slash("jobs/<uuid:job_id>", job_views.JobDetailView.as_view(), name="job-detail"),
    *optional_slash("jobs/<uuid:job_id>/status", job_views.JobStatusView.as_view(), name="job-status"),
    *optional_slash("jobs/<uuid:job_id>/decline", job_views.JobDeclineView.as_view(), name="job-decline"),
    *optional_slash("jobs/<uuid:job_id>/match", job_views.JobMatchView.as_view(), name="job-match"),
    *optional_slash("jobs/<uuid:job_id>/estimate", job_views.JobEstimateView.as_view(), name="job-estimate"),
    *optional_slash(
        "jobs/<uuid:job_id>/payment-intent",
        job_views.JobPaymentIntentView.as_view(),
        name="job-payment-intent",
    ),
    *optional_slash(
        "dashboard/provider/summary", job_views.ProviderSummaryView.as_view(), name="provider-summary"
    ),
    *optional_slash(
        "dashboard/provider/ongoing", job_views.ProviderOngoingView.as_view(), name="provider-ongoing"
    ),
    *optional_slash(
        "dashboard/provider/upcoming", job_views.ProviderUpcomingView.as_view(), name="provider-upcoming"
    ),
    *optional_slash(
        "dashboard/provider/earnings", job_views.ProviderEarningsView.as_view(), name="provider-earnings"
    ),
    *optional_slash(
        "dashboard/provider/job-requests",
        job_views.ProviderJobRequestsView.as_view(),
        name="provider-job-requests",
    ),
]
