"""The orders admin: pages render; actions go through the services."""

import pytest
from django.urls import reverse

from apps.orders.models import Order, ReconciliationRun, WebhookEvent

from .factories import checkout, new_cart, sellable

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, make_user):
    client.force_login(make_user("admin", is_staff=True))
    return client


@pytest.fixture
def order(api_client):
    sellable("ADM-O", on_hand=5)
    cart = new_cart(api_client, items={"ADM-O": 1})
    return Order.objects.get(number=checkout(api_client, cart).json()["order"]["number"])


def test_order_pages_render_with_lines_payments_history_and_reservations(staff, order):
    page = staff.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert page.status_code == 200
    for text in (b"ADM-O", b"pending_payment", b"active", order.payments.get().reference.encode()):
        assert text in page.content
    for name in ("order", "payment", "refund", "webhookevent", "reconciliationrun", "reconciliationissue"):
        assert staff.get(reverse(f"admin:orders_{name}_changelist")).status_code == 200


def test_cancel_action_goes_through_the_service(staff, order):
    url = reverse("admin:orders_order_changelist")
    response = staff.post(url, {"action": "cancel_and_refund", "_selected_action": [order.pk]}, follow=True)
    assert b"Cancelled 1 order" in response.content
    order.refresh_from_db()
    assert order.status == "cancelled" and order.history.last().reason == "cancelled by staff"
    response = staff.post(url, {"action": "mark_fulfilling", "_selected_action": [order.pk]}, follow=True)
    assert b"Cannot go from" in response.content


def test_reprocess_runs_a_failed_event_again(staff):
    event = WebhookEvent.objects.create(
        provider="stripe", event_id="evt_x", type="customer.created", payload={}
    )
    response = staff.post(
        reverse("admin:orders_webhookevent_changelist"),
        {"action": "reprocess", "_selected_action": [event.pk]},
        follow=True,
    )
    assert b"ignored: customer.created" in response.content
    assert WebhookEvent.objects.get(pk=event.pk).processed_at is not None


def test_run_reconciliation_now(staff, order):
    page = staff.get(reverse("admin:orders_reconciliationrun_changelist"))
    assert b"Run reconciliation now" in page.content
    response = staff.post(reverse("admin:orders_reconciliationrun_run_now"), follow=True)
    assert b"Reconciliation started" in response.content
    run = ReconciliationRun.objects.get()
    assert run.status == "clean" and run.triggered_by is not None
