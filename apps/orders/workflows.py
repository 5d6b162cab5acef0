"""The order state machine, in one place: the states, the allowed transitions and who may
trigger them. Services call ``transition_check``; nothing else decides."""

from apps.core.workflow import Workflow

from .models import Order

S = Order.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING_PAYMENT: (S.PAID, S.CANCELLED),
    S.PAID: (S.FULFILLING, S.CANCELLED, S.REFUNDED),
    S.FULFILLING: (S.SHIPPED, S.CANCELLED, S.REFUNDED),
    S.SHIPPED: (S.DELIVERED, S.REFUNDED),
    S.DELIVERED: (S.RETURNED, S.REFUNDED),
    S.RETURNED: (S.REFUNDED,),
    S.CANCELLED: (),
    S.REFUNDED: (),
}

# Transitions a staff member may ask for by name (POST /orders/{number}/transition). The
# others happen through their own flow: `paid` when the provider confirms the payment,
# `cancelled` through cancel (releases stock, refunds), `refunded` through refunds.
STAFF_TRANSITIONS = {
    (S.PAID, S.FULFILLING),
    (S.FULFILLING, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.RETURNED),
}

# A customer may cancel their own order until fulfilment starts.
CUSTOMER_CANCELLABLE = {S.PENDING_PAYMENT, S.PAID}


WORKFLOW = Workflow("order", transitions=TRANSITIONS)


def allowed_next(status: str) -> tuple[str, ...]:
    return WORKFLOW.allowed_next(status)


def transition_check(*, current: str, target: str) -> None:
    """Raise InvalidTransition (409 ``invalid_transition``) unless current → target is allowed."""
    WORKFLOW.check(current=current, target=target)
