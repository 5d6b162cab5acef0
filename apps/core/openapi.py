def drop_trailing_slash_duplicates(endpoints, **kwargs):
    """Each API route is also served with a trailing slash; document only the canonical one."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not path.endswith("/")
    ]


ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope every error of the API uses (docs: README, API conventions).",
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
