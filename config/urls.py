from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.urls.resolvers import RoutePattern
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.urls import SegmentIndexedResolver, api_not_found, optional_slash
from apps.core.views import ceiling_view

API_V1_APPS = [
    "core", "accounts", "cms", "catalog", "inventory", "orders", "tracking", "notifications", "rfq", "leads",
    "search", "reports",
]  # fmt: skip


def _patterns(app: str) -> list:
    return import_module(f"apps.{app}.rest_api.v1.urls").urlpatterns


# One flat list of every app's patterns, not one include() per app: Django tries the patterns
# in order, and every include that does not match raises with the list of all it tried, which
# cost about a millisecond per request for the apps listed last.
api_v1 = [
    *(pattern for app in API_V1_APPS for pattern in _patterns(app)),
    *optional_slash("schema", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    SegmentIndexedResolver(RoutePattern("api/v1/", is_endpoint=False), api_v1),
    # Swagger UI's start-up script served as a file (?script): the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema")),
    # The benchmark's ceiling: a plain Django view, no DRF, no database.
    path("bench/ceiling", ceiling_view, name="bench-ceiling"),
    # Anything else under /api/ is a JSON 404 in the error envelope, never Django's HTML page.
    re_path(r"^api/", api_not_found),
]

if settings.DEBUG or not settings.AWS_STORAGE_BUCKET_NAME:
    # Local-disk media in the embedded set-up. Production with S3 serves signed URLs instead.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
