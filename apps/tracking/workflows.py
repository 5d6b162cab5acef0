"""The shipment state machine, declared once (``apps.core.workflow``).

Shipments:

    label_created → picked_up → in_transit → out_for_delivery → delivered
    exception and returned are reachable from the in-transit states (picked_up, in_transit,
    out_for_delivery); an exception resolves back into transit, to delivery or to a return.

Carriers often skip scans (a parcel "in transit" without a pick-up scan, "delivered" without
"out for delivery"), so a forward move along the main line may skip states. Nothing moves
backwards; delivered and returned are final. A repeated status (another in-transit scan at a
new depot) is recorded without a move. Logistics staff and admins post events by hand; the
carriers' webhooks post the same events as the system."""

from apps.core.roles import ADMIN, LOGISTICS
from apps.core.workflow import Workflow

from .models import Shipment

S = Shipment.Status
STAFF = {LOGISTICS, ADMIN}

MAIN_LINE = (S.LABEL_CREATED, S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED)
IN_TRANSIT_STATES = (S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY)


def _transitions() -> dict:
    table: dict = {state: {} for state in S.values}
    for i, state in enumerate(MAIN_LINE):
        for later in MAIN_LINE[i + 1 :]:
            table[state][later] = STAFF
    for state in IN_TRANSIT_STATES:
        table[state][S.EXCEPTION] = STAFF
        table[state][S.RETURNED] = STAFF
    table[S.LABEL_CREATED][S.EXCEPTION] = STAFF  # lost before pick-up
    table[S.EXCEPTION] = {
        S.IN_TRANSIT: STAFF,
        S.OUT_FOR_DELIVERY: STAFF,
        S.DELIVERED: STAFF,
        S.RETURNED: STAFF,
    }
    return table


SHIPMENT = Workflow("shipment", transitions=_transitions(), initial=S.LABEL_CREATED)

# Events that repeat the current status (a new scan) are recorded without a move, except in
# a final state, where nothing more can happen.
REPEATABLE = (S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION)
