import re
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.urls.resolvers import RoutePattern
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.cms.views import media_serve
from apps.core.urls import SegmentIndexedResolver, api_not_found, optional_slash
from apps.core.views import ceiling_view

API_V1_APPS = [
    "core", "accounts", "cms", "catalog", "inventory", "orders", "tracking", "jobs", "notifications", "rfq",
    "leads", "search", "reports",
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
    # Anything else under /api/ is a JSON 404 in the error envelope, never Django's HTML page.
    re_path(r"^api/", api_not_found),
]

if settings.BENCH_CEILING_ROUTE:
    # The benchmark's ceiling (tests/bench): a plain Django view, no DRF, no database. Routed
    # only when the benchmark's settings ask for it, never in a deployment.
    urlpatterns.insert(0, path("bench/ceiling", ceiling_view, name="bench-ceiling"))

if not urlsplit(settings.MEDIA_URL).netloc:
    # Media on local disk, DEBUG on or off: only through the media view (safe headers, private
    # files with a signed URL only; docs/media.md). On S3 files live on the bucket's origin.
    _media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns += [re_path(rf"^{_media_prefix}(?P<path>.+)$", media_serve, name="media")]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
