from apps.core.urls import optional_slash

from . import views

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
