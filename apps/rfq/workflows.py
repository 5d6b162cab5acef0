"""The RFQ and quote state machines, in one place: the states, the allowed transitions and who
may trigger them. Services call ``transition_check``/``quote_transition_check``; nothing else
decides.

RFQ:   pending → quoted → won | lost, and cancelled from pending or quoted; a pending RFQ may
       also be lost (the company does not quote). won, lost and cancelled are final.
Quote: draft → sent → accepted | declined | expired; draft and sent quotes are superseded by a
       newer version, and withdrawn when their RFQ is closed (won, lost or cancelled by staff).
       accepted, declined, superseded, expired and withdrawn are final.
"""

from apps.core.errors import Conflict, InvalidTransition
from apps.core.workflow import Workflow

from .models import RFQ, Quote

S = RFQ.Status
Q = Quote.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.QUOTED, S.LOST, S.CANCELLED),
    S.QUOTED: (S.WON, S.LOST, S.CANCELLED),
    S.WON: (),
    S.LOST: (),
    S.CANCELLED: (),
}

# What staff may ask for by name (PATCH /rfqs/{id} status, admin actions). `quoted` happens when
# a quote is sent; `won` may also be set by hand for a deal closed outside the platform.
STAFF_TRANSITIONS = {
    (S.PENDING, S.LOST),
    (S.PENDING, S.CANCELLED),
    (S.QUOTED, S.WON),
    (S.QUOTED, S.LOST),
    (S.QUOTED, S.CANCELLED),
}

# RFQ states in which quotes may still be written and sent.
QUOTABLE = (S.PENDING, S.QUOTED)
FINAL = (S.WON, S.LOST, S.CANCELLED)

QUOTE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Q.DRAFT: (Q.SENT, Q.SUPERSEDED, Q.WITHDRAWN),
    Q.SENT: (Q.ACCEPTED, Q.DECLINED, Q.EXPIRED, Q.SUPERSEDED, Q.WITHDRAWN),
    Q.ACCEPTED: (),
    Q.DECLINED: (),
    Q.SUPERSEDED: (),
    Q.EXPIRED: (),
    Q.WITHDRAWN: (),
}

# Quotes still open (the customer may still get an answer in): closed with their RFQ.
QUOTE_OPEN = (Q.DRAFT, Q.SENT)

# Why a quote cannot be accepted or declined, by its status (409 with these codes).
QUOTE_CLOSED_CODES = {
    Q.DRAFT: ("quote_not_sent", "This quote has not been sent yet."),
    Q.ACCEPTED: ("quote_accepted", "This quote has already been accepted."),
    Q.DECLINED: ("quote_declined", "This quote has been declined."),
    Q.SUPERSEDED: ("quote_superseded", "A newer version of this quote replaces it."),
    Q.EXPIRED: ("quote_expired", "This quote has expired."),
    Q.WITHDRAWN: ("quote_withdrawn", "The request for this quote was closed, so the quote was withdrawn."),
}


WORKFLOW = Workflow("rfq", transitions=TRANSITIONS)


def allowed_next(status: str) -> tuple[str, ...]:
    return WORKFLOW.allowed_next(status)


def transition_check(*, current: str, target: str) -> None:
    """Raise InvalidTransition (409 ``invalid_transition``) unless current → target is allowed."""
    WORKFLOW.check(current=current, target=target)


def staff_transition_check(*, current: str, target: str) -> None:
    """What a staff member may ask for by name: the allowed moves that have no flow of their own."""
    if (current, target) in STAFF_TRANSITIONS:
        return
    if target in allowed_next(current):  # allowed, but through its own flow
        raise Conflict(
            f"'{current}' → '{target}' happens when a quote is sent, not by a status change.",
            code="invalid_transition",
            attr="status",
        )
    raise InvalidTransition(current=current, target=target, allowed=allowed_next(current))


QUOTE_WORKFLOW = Workflow("quote", transitions=QUOTE_TRANSITIONS)


def quote_allowed_next(status: str) -> tuple[str, ...]:
    return QUOTE_WORKFLOW.allowed_next(status)


def quote_transition_check(*, current: str, target: str) -> None:
    if target not in quote_allowed_next(current):
        code, detail = QUOTE_CLOSED_CODES.get(current, ("invalid_transition", ""))
        raise Conflict(
            f"{detail} (Cannot go from '{current}' to '{target}'.)".strip(),
            code=code,
            attr="status",
            extra={"current": current, "allowed": list(quote_allowed_next(current))},
        )
