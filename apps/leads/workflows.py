"""The inquiry state machine, in one place: new → in_progress → resolved → closed.
Services call ``transition_check``; nothing else decides."""

from apps.core.errors import InvalidTransition

from .models import Inquiry

S = Inquiry.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (S.RESOLVED,),
    S.RESOLVED: (S.CLOSED,),
    S.CLOSED: (),
}


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def transition_check(*, current: str, target: str) -> None:
    """Raise InvalidTransition (409 ``invalid_transition``) unless current → target is allowed."""
    if target not in allowed_next(current):
        raise InvalidTransition(current=current, target=target, allowed=allowed_next(current))
