"""The shipment workflow, every pair generated from its definition: each allowed move is
applied through the API; each other move is refused with 409 naming the allowed next states,
with nothing stored. Also the core engine's own guarantees."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import InvalidTransition, PermissionDenied
from apps.core.workflow import Workflow
from apps.tracking.models import Shipment, ShipmentEvent
from apps.tracking.services import shipment_create
from apps.tracking.workflows import SHIPMENT

from .factories import carrier, paid_order

pytestmark = pytest.mark.django_db

S = Shipment.Status


def _shipment_in(state: str, logistics_user) -> Shipment:
    order = paid_order({f"WF-{state[:6]}-{timezone.now().timestamp()}": 1})
    shipment = shipment_create(
        order=order, carrier=carrier(code=f"c{abs(hash(order.number)) % 10**8}"),
        tracking_number=f"T{order.number}", actor=logistics_user,
    )  # fmt: skip
    # Put it in ``state`` directly (the moves themselves are what the test checks).
    Shipment.objects.filter(pk=shipment.pk).update(
        status=state, status_at=timezone.now() - timedelta(hours=1)
    )
    shipment.refresh_from_db()
    return shipment


ALL_PAIRS = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]
ALLOWED = set(SHIPMENT.pairs())


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_move_is_decided_by_the_definition(auth_client, current, target):
    client = auth_client("logistics")
    shipment = _shipment_in(current, client.user)
    events_before = ShipmentEvent.objects.filter(shipment=shipment).count()
    response = client.post(f"/api/v1/shipments/{shipment.pk}/events", {"status": target}, format="json")
    shipment.refresh_from_db()
    if (current, target) in ALLOWED:
        assert response.status_code == 201, response.content
        assert response.json()["moved"] is True
        assert shipment.status == target
        event = ShipmentEvent.objects.filter(shipment=shipment).latest("recorded_at")
        assert (event.from_status, event.to_status, event.actor_id) == (current, target, client.user.pk)
    else:
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["errors"][0]["code"] == "invalid_transition"
        assert sorted(
            body["errors"][0]["detail"].split("Allowed next states: ")[1].rstrip(".").split(", ")
        ) == (sorted(SHIPMENT.allowed_next(current)) or ["none (final state)"])
        assert shipment.status == current
        assert ShipmentEvent.objects.filter(shipment=shipment).count() == events_before


def test_the_main_line_and_finals():
    assert SHIPMENT.is_final(S.DELIVERED) and SHIPMENT.is_final(S.RETURNED)
    for state in (S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY):
        assert {S.EXCEPTION, S.RETURNED} <= set(SHIPMENT.allowed_next(state))
    assert S.LABEL_CREATED not in {t for _, t in SHIPMENT.pairs()}  # nothing goes back to the start


def test_the_engine_refuses_undeclared_states_and_checks_roles():
    with pytest.raises(ValueError):
        Workflow("w", transitions={"a": ["b"]})
    flow = Workflow("w", transitions={"a": {"b": {"ops"}, "c": ()}, "b": (), "c": ()})
    flow.check_request(current="a", target="b", roles={"ops"})
    with pytest.raises(PermissionDenied):
        flow.check_request(current="a", target="b", roles={"sales"})
    with pytest.raises(PermissionDenied):
        flow.check_request(current="a", target="c", roles={"ops"})  # system-only
    with pytest.raises(InvalidTransition) as exc:
        flow.check(current="b", target="a")
    assert exc.value.extra["allowed"] == []


def test_orders_rfqs_and_inquiries_use_the_same_engine():
    from apps.leads import workflows as leads
    from apps.orders import workflows as orders
    from apps.rfq import workflows as rfq

    for module in (orders, rfq, leads):
        assert isinstance(module.WORKFLOW, Workflow)
        for current, targets in module.TRANSITIONS.items():
            assert module.allowed_next(current) == tuple(targets)
