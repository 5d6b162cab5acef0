"""Every (from, to) pair of the RFQ and quote state machines, generated from their definitions:
the allowed ones move (and are recorded), the others are refused with 409 and change nothing."""

from itertools import product

import pytest

from apps.core.errors import Conflict, InvalidTransition
from apps.core.models import ActivityLog
from apps.rfq import workflows
from apps.rfq.models import RFQ, Quote
from apps.rfq.services import rfqs
from tests.helpers import assert_error

from .factories import item, rfq_make

RFQ_PAIRS = list(product(RFQ.Status.values, repeat=2))
QUOTE_PAIRS = list(product(Quote.Status.values, repeat=2))


def test_every_rfq_state_has_a_rule_and_final_states_lead_nowhere():
    assert set(workflows.TRANSITIONS) == set(RFQ.Status.values)
    assert set(workflows.QUOTE_TRANSITIONS) == set(Quote.Status.values)
    for final in workflows.FINAL:
        assert workflows.allowed_next(final) == ()
    assert {(a, b) for a, nxt in workflows.TRANSITIONS.items() for b in nxt} >= workflows.STAFF_TRANSITIONS


@pytest.mark.parametrize(("current", "target"), RFQ_PAIRS)
def test_rfq_transition_check(current, target):
    if target in workflows.TRANSITIONS[current]:
        workflows.transition_check(current=current, target=target)
    else:
        with pytest.raises(InvalidTransition):
            workflows.transition_check(current=current, target=target)


@pytest.mark.parametrize(("current", "target"), QUOTE_PAIRS)
def test_quote_transition_check(current, target):
    if target in workflows.QUOTE_TRANSITIONS[current]:
        workflows.quote_transition_check(current=current, target=target)
    else:
        with pytest.raises(Conflict) as caught:
            workflows.quote_transition_check(current=current, target=target)
        assert caught.value.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), RFQ_PAIRS)
def test_rfq_move_applies_allowed_pairs_and_records_them(current, target, make_user):
    item("SM-1")
    actor = make_user("sales")
    rfq = rfq_make(skus=("SM-1",))
    RFQ.objects.filter(pk=rfq.pk).update(status=current)
    rfq.refresh_from_db()
    if target in workflows.TRANSITIONS[current]:
        rfqs.rfq_move(rfq=rfq, target=target, actor=actor, reason="test")
        rfq.refresh_from_db()
        assert rfq.status == target
        last = rfq.history.last()
        assert (last.from_status, last.to_status, last.actor) == (current, target, actor)
        assert (rfq.decision_date is not None) == (target in workflows.FINAL)
        assert ActivityLog.objects.filter(action="transition", entity_id=str(rfq.pk)).exists()
    else:
        with pytest.raises(InvalidTransition):
            rfqs.rfq_move(rfq=rfq, target=target, actor=actor)
        rfq.refresh_from_db()
        assert rfq.status == current and rfq.history.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), RFQ_PAIRS)
def test_staff_patch_of_status_follows_the_machine(current, target, auth_client):
    item("SM-2")
    client = auth_client("admin")
    rfq = rfq_make(skus=("SM-2",))
    RFQ.objects.filter(pk=rfq.pk).update(status=current)
    response = client.patch(f"/api/v1/rfqs/{rfq.pk}", {"status": target, "reason": "r"}, format="json")
    rfq.refresh_from_db()
    if current == target:
        assert response.status_code == 200 and rfq.status == current
    elif (current, target) in workflows.STAFF_TRANSITIONS:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == target == rfq.status
        assert response.json()["history"][-1]["reason"] == "r"
    else:
        assert_error(response, 409, code="invalid_transition", attr="status")
        assert rfq.status == current
