"""Domain errors raised by services and mapped once, in the exception handler, to the
contract's error envelope. Services never import DRF."""


class ApplicationError(Exception):
    """A rule of the domain was broken by the caller's request (400 unless a subclass says)."""

    status_code = 400
    default_code = "invalid"
    default_detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        attr: str | None = None,
        extra: dict | None = None,
    ):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.attr = attr
        self.extra = extra or {}
        super().__init__(self.detail)


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_detail = "Not found."


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class InvalidTransition(Conflict):
    default_code = "invalid_transition"

    def __init__(self, *, current: str, target: str, allowed: list[str] | tuple[str, ...]):
        allowed_text = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"Cannot go from '{current}' to '{target}'. Allowed next states: {allowed_text}.",
            attr="status",
            extra={"current": current, "allowed": list(allowed)},
        )


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = (
        "This Idempotency-Key was already used with a different request. Use a new key for a new request."
    )


class PayloadTooLarge(ApplicationError):
    status_code = 413
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class ServiceUnavailable(ApplicationError):
    status_code = 503
    default_code = "service_unavailable"
    default_detail = "A service the platform depends on is unavailable. Try again shortly."
