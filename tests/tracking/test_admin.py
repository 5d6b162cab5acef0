"""The tracking admin: carriers, shipments with lines and timeline, and the "add an event"
action, which goes through the shipment workflow (a refused move is reported, not applied)."""

import pytest
from django.urls import reverse

from apps.tracking.models import Shipment, ShipmentEvent
from apps.tracking.services import shipment_create

from .factories import carrier, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("logistics", is_staff=True))
    return client


def test_pages_render(staff_client):
    shipment = shipment_create(order=paid_order(), carrier=carrier(), tracking_number="ADM1", actor=None)
    for url in (
        reverse("admin:tracking_carrier_changelist"),
        reverse("admin:tracking_shipment_changelist"),
        reverse("admin:tracking_shipment_change", args=[shipment.pk]),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    page = staff_client.get(reverse("admin:tracking_shipment_change", args=[shipment.pk])).content.decode()
    assert "ADM1" in page and "Shipment created." in page and "picked_up" in page  # allowed next


def test_add_event_action_goes_through_the_workflow(staff_client):
    shipment = shipment_create(order=paid_order(), carrier=carrier(), tracking_number="ADM2", actor=None)
    url = reverse("admin:tracking_shipment_changelist")
    form = staff_client.post(url, {"action": "add_event", "_selected_action": [shipment.pk]})
    assert form.status_code == 200 and b"ADM2" in form.content and b'name="status"' in form.content
    done = staff_client.post(
        url,
        {"action": "add_event", "_selected_action": [shipment.pk], "apply": "1", "status": "in_transit",
         "location": "Memphis, TN", "note": ""},
        follow=True,
    )  # fmt: skip
    assert b"Recorded the event on 1 shipment" in done.content
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    refused = staff_client.post(
        url,
        {"action": "add_event", "_selected_action": [shipment.pk], "apply": "1", "status": "label_created"},
        follow=True,
    )
    assert b"Allowed next states" in refused.content
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2
