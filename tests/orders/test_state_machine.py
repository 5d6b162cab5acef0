"""The order state machine: every allowed transition works, every other pair is 409
``invalid_transition`` (all pairs generated, none hand-picked), each recorded in the history
and the activity log."""

from itertools import product

import pytest

from apps.core.errors import InvalidTransition
from apps.core.models import ActivityLog
from apps.orders import workflows
from apps.orders.models import Order
from apps.orders.services.status import _move
from tests.helpers import assert_error

from .factories import checkout, new_cart, sellable

pytestmark = pytest.mark.django_db
STATES = [s.value for s in Order.Status]
PAIRS = list(product(STATES, STATES))


@pytest.fixture
def order(api_client):
    sellable("SM-1", on_hand=50)
    cart = new_cart(api_client, items={"SM-1": 1})
    return Order.objects.get(number=checkout(api_client, cart).json()["order"]["number"])


def test_the_table_covers_every_state():
    assert set(workflows.TRANSITIONS) == set(STATES)
    assert all(set(targets) <= set(STATES) for targets in workflows.TRANSITIONS.values())


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_every_pair_is_allowed_exactly_when_the_table_says(order, current, target):
    Order.objects.filter(pk=order.pk).update(status=current)
    order.refresh_from_db()
    if target in workflows.TRANSITIONS[current]:
        _move(order=order, target=target, actor=None, reason="test")
        assert Order.objects.get(pk=order.pk).status == target
        assert order.history.filter(from_status=current, to_status=target).exists()
        assert ActivityLog.objects.filter(action="transition", entity_id=str(order.pk)).exists()
    else:
        with pytest.raises(InvalidTransition) as exc:
            _move(order=order, target=target, actor=None, reason="test")
        assert exc.value.status_code == 409 and exc.value.code == "invalid_transition"
        assert Order.objects.get(pk=order.pk).status == current


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_the_transition_endpoint_allows_only_the_staff_moves(auth_client, order, current, target):
    Order.objects.filter(pk=order.pk).update(status=current)
    response = auth_client("logistics").post(
        f"/api/v1/orders/{order.number}/transition", {"status": target}, format="json"
    )
    if (current, target) in workflows.STAFF_TRANSITIONS:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == target
    else:
        assert_error(response, 409, code="invalid_transition", attr="status")
        assert Order.objects.get(pk=order.pk).status == current


def test_customers_cannot_use_the_transition_endpoint(auth_client, order):
    assert_error(
        auth_client("customer").post(f"/api/v1/orders/{order.number}/transition", {"status": "paid"}), 403
    )


def test_a_return_after_the_window_is_refused(auth_client, order, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.ORDER_RETURN_WINDOW_DAYS = 30
    Order.objects.filter(pk=order.pk).update(
        status="delivered", delivered_at=timezone.now() - timedelta(days=31)
    )
    body = assert_error(
        auth_client("admin").post(f"/api/v1/orders/{order.number}/transition", {"status": "returned"}),
        409,
        code="invalid_transition",
    )
    assert "return window" in body["errors"][0]["detail"]


def test_an_order_marked_delivered_without_a_date_uses_its_history_for_the_window(
    auth_client, order, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.orders.models import OrderStatusHistory

    settings.ORDER_RETURN_WINDOW_DAYS = 30
    long_ago = timezone.now() - timedelta(days=45)
    Order.objects.filter(pk=order.pk).update(status="delivered", delivered_at=None, updated_at=long_ago)
    entry = OrderStatusHistory.objects.create(order=order, from_status="shipped", to_status="delivered")
    OrderStatusHistory.objects.filter(pk=entry.pk).update(created_at=long_ago)
    url = f"/api/v1/orders/{order.number}/transition"
    assert_error(auth_client("admin").post(url, {"status": "returned"}), 409, code="invalid_transition")
    OrderStatusHistory.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert auth_client("admin").post(url, {"status": "returned"}).status_code == 200
