"""The inquiry state machine, in one place: new → in_progress → resolved → closed.
Services call ``transition_check``; nothing else decides."""

from apps.core.workflow import Workflow

from .models import Inquiry

S = Inquiry.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (S.RESOLVED,),
    S.RESOLVED: (S.CLOSED,),
    S.CLOSED: (),
}


WORKFLOW = Workflow("inquiry", transitions=TRANSITIONS)


def allowed_next(status: str) -> tuple[str, ...]:
    return WORKFLOW.allowed_next(status)


def transition_check(*, current: str, target: str) -> None:
    """Raise InvalidTransition (409 ``invalid_transition``) unless current → target is allowed."""
    WORKFLOW.check(current=current, target=target)
