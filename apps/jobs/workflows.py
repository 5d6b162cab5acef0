"""The service-job state machine, declared once (``apps.core.workflow``).

    SENT → RECEIVED → ACCEPTED → EN_ROUTE → ARRIVED → WORK_STARTED → IN_PROGRESS → COMPLETED
    CANCELLED from SENT, RECEIVED and ACCEPTED only; every other jump is refused (409).

SENT → RECEIVED is matching offering the job to a resource (the system, or staff asking for a
match). RECEIVED → SENT is the offer ending without an acceptance (declined, expired, staff
reassigning): matching then offers it to the next candidate. ACCEPTED → RECEIVED is staff
reassigning an accepted job (the admin's reassignment). None of these three can be asked for
by name through POST /jobs/{id}/status; the provider's acceptance and the steps of the work
can (by the provider the job is offered or assigned to: checked by the service), as can
cancelling (the customer who asked, or staff)."""

from apps.core.roles import ADMIN, CUSTOMER, LOGISTICS, PROVIDER
from apps.core.workflow import Workflow

from .models import Job

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
