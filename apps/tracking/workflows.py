"""The shipment and service-job state machines, each declared once (``apps.core.workflow``).

Shipments:

    label_created → picked_up → in_transit → out_for_delivery → delivered
    exception and returned are reachable from the in-transit states (picked_up, in_transit,
    out_for_delivery); an exception resolves back into transit, to delivery or to a return.

Carriers often skip scans (a parcel "in transit" without a pick-up scan, "delivered" without
"out for delivery"), so a forward move along the main line may skip states. Nothing moves
backwards; delivered and returned are final. A repeated status (another in-transit scan at a
new depot) is recorded without a move. Logistics staff and admins post events by hand; the
carriers' webhooks post the same events as the system."""

from apps.core.roles import ADMIN, CUSTOMER, LOGISTICS, PROVIDER
from apps.core.workflow import Workflow

from .models import Job, Shipment

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


# --- Service jobs -------------------------------------------------------------------------------
#
#   SENT → RECEIVED → ACCEPTED → EN_ROUTE → ARRIVED → WORK_STARTED → IN_PROGRESS → COMPLETED
#   CANCELLED from SENT, RECEIVED and ACCEPTED only; every other jump is refused (409).
#
# SENT → RECEIVED is matching offering the job to a resource (the system, or staff asking for a
# match). RECEIVED → SENT is the offer ending without an acceptance (declined, expired, staff
# reassigning): matching then offers it to the next candidate. ACCEPTED → RECEIVED is staff
# reassigning an accepted job (the admin's reassignment). None of these three can be asked for
# by name through POST /jobs/{id}/status; the provider's acceptance and the steps of the work
# can (by the provider the job is offered or assigned to: checked by the service), as can
# cancelling (the customer who asked, or staff).

J = Job.Status
JOB_STAFF = {LOGISTICS, ADMIN}
JOB_WORKERS = {PROVIDER, *JOB_STAFF}
JOB_CANCELLERS = {CUSTOMER, *JOB_STAFF}
JOB_MAIN_LINE = (
    J.SENT, J.RECEIVED, J.ACCEPTED, J.EN_ROUTE, J.ARRIVED, J.WORK_STARTED, J.IN_PROGRESS, J.COMPLETED,
)  # fmt: skip
JOB_CANCELLABLE = (J.SENT, J.RECEIVED, J.ACCEPTED)

JOB = Workflow(
    "job",
    transitions={
        J.SENT: {J.RECEIVED: set(), J.CANCELLED: JOB_CANCELLERS},
        J.RECEIVED: {J.ACCEPTED: JOB_WORKERS, J.SENT: set(), J.CANCELLED: JOB_CANCELLERS},
        J.ACCEPTED: {J.EN_ROUTE: JOB_WORKERS, J.RECEIVED: set(), J.CANCELLED: JOB_CANCELLERS},
        J.EN_ROUTE: {J.ARRIVED: JOB_WORKERS},
        J.ARRIVED: {J.WORK_STARTED: JOB_WORKERS},
        J.WORK_STARTED: {J.IN_PROGRESS: JOB_WORKERS},
        J.IN_PROGRESS: {J.COMPLETED: JOB_WORKERS},
        J.COMPLETED: {},
        J.CANCELLED: {},
    },
    initial=J.SENT,
)
