"""Plain Django views: JSON error pages for API paths, and the benchmark's ceiling."""

from django.http import JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from .exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(400, "parse_error", "Malformed request."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            error_body(403, "permission_denied", "You do not have permission to perform this action."),
            status=403,
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body(500, "error", "Server Error (500)"), status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return JsonResponse(error_body(403, "csrf_failed", f"CSRF verification failed: {reason}"), status=403)
    return html_csrf_failure(request, reason=reason)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any verb on an unknown path under /api/: the 404 envelope. CSRF-exempt, as it changes
    nothing: otherwise a write (POST, PATCH, DELETE) would be answered 403 ``csrf_failed``."""
    return JsonResponse(error_body(404, "not_found", f"No API endpoint matches {request.path}."), status=404)


def ceiling_view(request):
    """The benchmark's ceiling row: plain Django, no DRF, no database."""
    return JsonResponse({"status": "ok", "service": "foundry"})
