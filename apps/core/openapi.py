from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework import serializers

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import KEY_SCHEMA as IDEMPOTENCY_KEY_SCHEMA


def drop_trailing_slash_duplicates(endpoints, **kwargs):
    """Each API route is also served with a trailing slash; document only the canonical one."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not path.endswith("/")
    ]


ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope every error of the API uses (docs/api.md, Conventions).",
    "properties": {
        "type": {"type": "string", "enum": ["validation_error", "client_error", "server_error"]},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "attr": {"type": "string", "nullable": True},
                },
                "required": ["code", "detail", "attr"],
            },
        },
    },
    "required": ["type", "errors"],
}


def document_error_envelope(result, generator, request, public, **kwargs):
    """Every operation may answer an error other than those it lists (a 404 for an unknown id,
    409 from a workflow, 413 for an oversized body, 429 when throttled...), always in the error
    envelope: document that once per operation as its ``default`` response."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for schema in schemas.values():
        # A response whose shape depends on the caller (staff rows carry more fields than a
        # customer's): without a discriminator a staff row matches both shapes, which "oneOf"
        # forbids; "anyOf" says what is meant.
        if "oneOf" in schema and "discriminator" not in schema:
            schema["anyOf"] = schema.pop("oneOf")
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation.setdefault("responses", {}).setdefault(
                "default",
                {
                    "description": "An error, in the error envelope.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
    return result


# A character Python's str.strip() keeps (DRF trims text with it): the schema of a text field that
# may not be blank says it holds one. Spelt out, as ECMA's \s is not quite Python's whitespace.
NOT_ONLY_SPACES = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def decimal_pattern(field: serializers.DecimalField) -> str:
    """The text a DecimalField takes: drf-spectacular's pattern (``^-?\\d{0,10}(?:\\.\\d{0,2})?$``)
    also matches "", "-" and ".", which no field takes; a field that refuses negatives takes no
    minus sign."""
    sign = "-?" if field.min_value is None or field.min_value < 0 else ""
    whole, places = field.max_whole_digits, field.decimal_places
    if not places:
        return rf"^{sign}\d{{1,{whole}}}$"
    if not whole:
        return rf"^{sign}0?\.\d{{1,{places}}}$"
    return rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' schema (errors documented per operation), plus the
    ``Idempotency-Key`` header of every handler under ``@idempotent`` (required where the
    handler requires it), so that no view documents it by hand."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            schema["pattern"] = decimal_pattern(field)
        elif (
            direction == "request"
            and type(field) is serializers.CharField
            and field.trim_whitespace
            and not field.allow_blank
            and "pattern" not in schema
            and not any(isinstance(v, RegexValidator) for v in field.validators)  # its own pattern
        ):
            # DRF trims a string before it checks it is not blank: "\r" is blank.
            schema["pattern"] = NOT_ONLY_SPACES
        return schema

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        if getattr(handler, "idempotent", False) and not any(
            getattr(p, "name", None) == IDEMPOTENCY_HEADER for p in parameters
        ):
            required = handler.idempotency_key_required
            description = (
                "A unique value (a UUID) per intended operation"
                + ("" if required else "; optional")
                + ": the same key with the same body replays the first response, with another body is a 422."
            )
            parameters = [
                *parameters,
                OpenApiParameter(IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER,
                                 required=required, description=description),
            ]  # fmt: skip
        return parameters
