"""The one exception handler: every API error leaves in the drf-standardized-errors envelope

{"type": "validation_error" | "client_error" | "server_error",
 "errors": [{"code": str, "detail": str, "attr": str | null}]}
"""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.handler import exception_handler as _standard_handler
from rest_framework import exceptions, serializers

from .errors import ApplicationError, PayloadTooLarge


class DomainAPIException(exceptions.APIException):
    """Carries an ApplicationError through DRF with its status, code and attr."""

    def __init__(self, error: ApplicationError):
        self.status_code = error.status_code
        self.attr = error.attr
        super().__init__(detail=error.detail, code=error.code)


class FoundryExceptionFormatter(ExceptionFormatter):
    def format_error_response(self, error_response):
        data = super().format_error_response(error_response)
        if isinstance(self.exc, DomainAPIException) and self.exc.attr:
            for item in data["errors"]:
                item["attr"] = self.exc.attr
        for item in data["errors"]:
            # A Django form error raised without a code (a filter's own check) still gets one.
            if not item.get("code"):
                item["code"] = "invalid"
        return data


class FoundryExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc):
        if isinstance(exc, ApplicationError):
            return DomainAPIException(exc)
        if isinstance(exc, RequestDataTooBig):
            return DomainAPIException(PayloadTooLarge())
        if isinstance(exc, DjangoValidationError):
            return serializers.ValidationError(serializers.as_serializer_error(exc))
        if isinstance(exc, SuspiciousOperation):
            return exceptions.ParseError(str(exc) or "Malformed request.")
        if (
            isinstance(exc, exceptions.APIException)
            and isinstance(exc.detail, dict)
            and "detail" in exc.detail
            and not isinstance(exc, exceptions.ValidationError)
        ):
            # simplejwt's errors carry {"detail", "code", "messages"}: keep one clear error.
            flat = exceptions.APIException(
                detail=str(exc.detail["detail"]), code=str(exc.detail.get("code") or exc.default_code)
            )
            flat.status_code = exc.status_code
            flat.auth_header = getattr(exc, "auth_header", None)
            return flat
        return super().convert_known_exceptions(exc)

    def format_exception(self, exc):
        return FoundryExceptionFormatter(exc, self.context, self.exc).run()


def exception_handler(exc, context):
    return _standard_handler(exc, context)


def error_body(status_code: int, code: str, detail: str, attr: str | None = None) -> dict:
    """The envelope for errors raised outside DRF views (middleware, URL resolver, CSRF)."""
    if status_code >= 500:
        kind = "server_error"
    elif status_code == 400 and code == "invalid":
        kind = "validation_error"
    else:
        kind = "client_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
