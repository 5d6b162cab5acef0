"""One small declarative state machine for every workflow of the platform (orders, RFQs,
inquiries, shipments, service jobs).

A ``Workflow`` holds the states, the allowed transitions and, for each, the roles that may ask
for it by name (an empty set: only the system moves it, e.g. a payment confirmation). Side
effects are explicit hooks registered per target state (``@workflow.on("delivered")``), run by
the service that applies a transition, inside its transaction, after the state and the history
row are written. The workflow decides; services apply; nothing else changes a status.

    SHIPMENT = Workflow("shipment", transitions={
        "label_created": {"picked_up": {"logistics"}, ...},
        ...
    })
    SHIPMENT.check(current="label_created", target="delivered")   # → 409 invalid_transition
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .errors import InvalidTransition, PermissionDenied

ANY = frozenset({"*"})  # any caller that reached the endpoint (its own permission applies)


class Workflow:
    def __init__(
        self,
        name: str,
        *,
        transitions: Mapping[str, Mapping[str, Iterable[str]] | Iterable[str]],
        initial: str | None = None,
    ):
        """``transitions``: state → {next state: roles allowed to ask for it}, or state →
        next states (then nobody may ask by name: system moves only). Every state appears as
        a key, final states with no next states."""
        self.name = name
        self._next: dict[str, dict[str, frozenset[str]]] = {}
        for state, targets in transitions.items():
            if isinstance(targets, Mapping):
                self._next[state] = {t: frozenset(roles) for t, roles in targets.items()}
            else:
                self._next[state] = {t: frozenset() for t in targets}
        unknown = {t for targets in self._next.values() for t in targets} - set(self._next)
        if unknown:
            raise ValueError(f"workflow {name}: transitions to undeclared states {sorted(unknown)}")
        self.states: tuple[str, ...] = tuple(self._next)
        self.initial = initial or self.states[0]
        self._hooks: dict[str, list[Callable]] = {}

    # --- The definition ----------------------------------------------------------------------

    def allowed_next(self, current: str) -> tuple[str, ...]:
        return tuple(self._next.get(current, {}))

    def is_final(self, state: str) -> bool:
        return not self._next.get(state)

    def pairs(self) -> list[tuple[str, str]]:
        """Every allowed (from, to): what the tests generate their cases from."""
        return [(s, t) for s, targets in self._next.items() for t in targets]

    def roles_for(self, current: str, target: str) -> frozenset[str]:
        return self._next.get(current, {}).get(target, frozenset())

    # --- Decisions ----------------------------------------------------------------------------

    def check(self, *, current: str, target: str) -> None:
        """Raise InvalidTransition (409 ``invalid_transition``, naming the allowed next
        states) unless current → target is a transition of this workflow."""
        if target not in self._next.get(current, {}):
            raise InvalidTransition(current=current, target=target, allowed=self.allowed_next(current))

    def check_request(self, *, current: str, target: str, roles: Iterable[str]) -> None:
        """``check``, then that one of ``roles`` may ask for it by name (403 otherwise)."""
        self.check(current=current, target=target)
        allowed = self.roles_for(current, target)
        if allowed is ANY or "*" in allowed:
            return
        if not allowed & set(roles):
            raise PermissionDenied(
                f"'{current}' → '{target}' is not yours to ask for"
                + (f" (it is for: {', '.join(sorted(allowed))})." if allowed else " (it happens by itself)."),
                code="transition_not_allowed",
            )

    # --- Side effects -------------------------------------------------------------------------

    def on(self, *targets: str):
        """Register a hook ``hook(subject, *, before, actor, **context)`` run when a subject
        enters any of ``targets`` (after its status and history are written, in the same
        transaction)."""
        for target in targets:
            if target not in self._next:
                raise ValueError(f"workflow {self.name}: no state {target!r}")

        def register(hook: Callable) -> Callable:
            for target in targets:
                self._hooks.setdefault(target, []).append(hook)
            return hook

        return register

    def run_hooks(self, subject, *, target: str, before: str, actor=None, **context) -> None:
        for hook in self._hooks.get(target, ()):
            hook(subject, before=before, actor=actor, **context)
