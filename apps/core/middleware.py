from django.conf import settings
from django.http import JsonResponse

from .exceptions import error_body


class ApiRequestGuardMiddleware:
    """Rejects API requests no view can answer before anything reads them, in the error envelope:

    - a path with a NUL character (``/api/v1/track/%00``): 404, as no resource is named so
      (PostgreSQL cannot even compare text holding one: a lookup would be a 500);
    - an oversized body: 413. Multipart uploads may be as large as API_MAX_UPLOAD_BYTES; every
      other body as large as DATA_UPLOAD_MAX_MEMORY_SIZE (Django's own limit, which also guards
      chunked bodies). The JSON parser (apps.core.parsers) checks the bytes it reads too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            if "\x00" in request.path:
                return JsonResponse(
                    error_body(404, "not_found", "No API resource has a NUL character in its path."),
                    status=404,
                )
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(
                    error_body(400, "parse_error", "Invalid Content-Length header."), status=400
                )
            content_type = request.META.get("CONTENT_TYPE", "")
            limit = (
                settings.API_MAX_UPLOAD_BYTES
                if content_type.startswith("multipart/form-data")
                else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            )
            if limit and length > limit:
                return JsonResponse(
                    error_body(
                        413,
                        "payload_too_large",
                        f"The request body is {length} bytes; the limit is {limit} bytes.",
                    ),
                    status=413,
                )
        return self.get_response(request)
