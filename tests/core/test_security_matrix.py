"""The security matrix of the API, generated from the URL conf (the routes are walked, not listed;
the two allow-lists below only document the exceptions the walk must find):

* every route under /api/v1/ and, for DRF views, every HTTP method its view implements;
* the routes open to anonymous callers are derived from the views' own permissions and must equal
  ``PUBLIC`` below, which says why each one is public: a new public route fails here until it is
  added there on purpose;
* every other route answers an anonymous caller 401 ``not_authenticated`` in the error envelope;
* every route whose permission needs a role a customer does not have (``HasRole`` classes without
  ``customer``, ``ReadStaffWriteAdmin``) answers a signed-in customer 403/404 in the envelope;
* every body over the limits (JSON, form, multipart; media uploads; contact imports) is refused
  with 413 in the envelope and stores nothing;
* no route answers 5xx in any of these sweeps.
"""

import inspect
import json
import re
import uuid
from dataclasses import dataclass
from functools import cache

import pytest
from asgiref.sync import async_to_sync
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLResolver, get_resolver, resolve
from django.urls.converters import get_converters
from django.urls.resolvers import RegexPattern
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AND, NOT, OR
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from apps.core.permissions import HasRole, ReadStaffWriteAdmin
from apps.core.roles import CUSTOMER
from apps.core.urls import SegmentIndexedResolver
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

HANDLER_METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = ("POST", "PUT", "PATCH")

# Plain (non-DRF) views have no handler methods to read: the methods they serve. An async plain view
# is a GET stream; any other plain view must be listed here (the enumeration test fails otherwise).
PLAIN_VIEW_METHODS = {
    "esp_tracking_webhook": ("POST",),  # django-anymail's tracking views take the ESP's POSTs
}

# Every route an anonymous caller may use, and why; with the answers the probe below gets (an
# anonymous call with made-up path parameters, an empty JSON body for writes, no token, no signature:
# so mostly 400 for a missing field or signature, 404 for the made-up object). Keys: "METHOD route",
# the route as in the URL conf (router regex groups shown as <name>).
PUBLIC: dict[str, tuple[str, set[int]]] = {
    # Accounts: how one gets (or gets back) credentials.
    "POST auth/register": ("sign-up creates the account", {400}),
    "POST auth/login": ("sign-in exchanges email and password for tokens (throttled)", {400}),
    "POST auth/refresh": ("the refresh token in the body is the credential", {400}),
    "POST auth/password-reset": ("asks for a reset email; answers alike for unknown emails", {400}),
    "POST auth/password-reset/confirm": ("the signed token from the reset email is the credential", {400}),
    # Operations: probes for load balancers and the status page.
    "GET health": ("liveness/readiness probe", {200, 503}),
    "GET status": ("public status page", {200}),
    # The public catalogue, news and pages (staff see drafts through the same views).
    "GET categories": ("public catalogue: category tree", {200}),
    "GET products": ("public catalogue: active products", {200}),
    "GET products/<slug:slug>": ("public catalogue: a product page", {404}),
    "GET documents": ("public catalogue: the documents visible to the caller's access level", {200}),
    "GET documents/<uuid:pk>/download": (
        "public documents download; the view checks the access level (401 for sign-in-only ones)",
        {404},
    ),
    "GET news": ("public news list", {200}),
    "GET news/<slug:slug>": ("public news article", {404}),
    "GET pages/<slug:slug>": ("public static pages (about, terms)", {404}),
    "GET search": ("public site search (catalogue, news, pages); q is required", {400}),
    # Guest shopping: a guest cart is reached with its X-Cart-Token; checkout works for guests.
    "POST carts": ("guest carts: creates a cart and returns its token", {400}),
    "GET carts/<uuid:cart_id>": ("guest cart, with its X-Cart-Token", {404}),
    "POST carts/<uuid:cart_id>/items": ("guest cart, with its X-Cart-Token", {400}),
    "PATCH carts/<uuid:cart_id>/items/<uuid:item_id>": ("guest cart, with its X-Cart-Token", {404}),
    "DELETE carts/<uuid:cart_id>/items/<uuid:item_id>": ("guest cart, with its X-Cart-Token", {404}),
    "POST checkout": ("guest checkout with the cart token and an Idempotency-Key", {400}),
    # Lead capture: the public forms (throttled per IP).
    "POST inquiries": ("public contact/inquiry form", {400}),
    "POST rfqs": ("public request-for-quotation form", {400}),
    "POST analytics/events": ("frontend analytics events (throttled per IP, IP truncated)", {400}),
    # A quote's link in the quote email carries its token: the RFQ's customer need not sign in.
    "GET quotes/<uuid:quote_id>": ("the quote token from the email is the credential", {404}),
    "POST quotes/<uuid:quote_id>/accept": ("the quote token from the email is the credential", {404}),
    "POST quotes/<uuid:quote_id>/decline": ("the quote token from the email is the credential", {404}),
    # Shipment tracking: anyone holding the tracking code (no personal data in the answer).
    "GET track/<str:tracking_code>": ("tracking lookup by code (throttled)", {404}),
    "GET track/<str:tracking_code>/stream": ("live tracking stream by code (SSE, ASGI)", {404}),
    "GET service-types": ("the choices of the public job request form", {200}),
    # The signed link of a finished report: the token in the query string is the credential.
    "GET reports/<uuid:report_id>/download": ("signed, expiring download link (token)", {403}),
    # Webhooks: authenticated by the sender's signature, not by a user; unsigned → 400/404.
    "POST webhooks/stripe": ("Stripe webhook, verified by Stripe-Signature", {400}),
    "POST webhooks/paystack": ("Paystack webhook, verified by x-paystack-signature", {400}),
    "POST webhooks/carriers/<slug:carrier>": ("carrier webhook, verified by X-Foundry-Signature", {404}),
    "POST webhooks/email/<str:esp>/tracking": (
        "ESP delivery webhook (django-anymail), 404 until its signature secret or basic auth is set",
        {404},
    ),
    # The API's own documentation.
    "GET schema": ("the OpenAPI schema (drf-spectacular's SERVE_PERMISSIONS: AllowAny)", {200}),
}

# Every route open to any signed-in user (a customer included), and why: the caller's own data, or
# a role check inside the view. A staff route that loses its role permission lands here and fails
# the test until it is documented (or, rather, its role permission is put back).
SIGNED_IN: dict[str, str] = {
    "GET auth/me": "the caller's own profile",
    "PATCH auth/me": "the caller's own profile",
    "DELETE auth/me": "erases the caller's own account",
    "GET auth/me/export": "the caller's own personal data",
    "POST auth/logout": "blacklists the caller's own refresh token",
    "GET notifications": "the caller's own notifications",
    "POST notifications/<uuid:notification_id>/read": "the caller's own notifications",
    "GET notifications/preferences": "the caller's own preferences",
    "PATCH notifications/preferences": "the caller's own preferences",
    "POST carts/<uuid:cart_id>/claim": "attaches a guest cart (with its token) to the caller",
    "GET orders": "staff: every order; a customer: their own",
    "GET orders/<str:number>": "the order's owner and staff",
    "GET orders/<str:number>/tracking": "the order's owner and staff",
    "POST orders/<str:number>/cancel": "the order's owner (unpaid orders) and staff",
    "GET rfqs": "staff: every RFQ (sales: assigned ones); a customer: their own",
    "GET rfqs/<uuid:rfq_id>": "the RFQ's customer (without staff fields) and staff",
    "PATCH rfqs/<uuid:rfq_id>": "staff only, checked in the view (403; tests/rfq/test_visibility.py)",
    "GET jobs": "staff: every job; a customer: their own; a provider: offered or assigned ones",
    "POST jobs": "a customer asks for a service job",
    "GET jobs/<uuid:job_id>": "the job's customer, provider and staff",
    "GET jobs/<uuid:job_id>/estimate": "the job's customer and staff",
    "POST jobs/<uuid:job_id>/status": "the job's provider moves it on; its customer or staff cancel",
    "POST jobs/<uuid:job_id>/decline": "the provider the job is offered to",
    "POST jobs/<uuid:job_id>/payment-intent": "the job's customer pays the estimate",
    "GET export/<str:dataset>": "each dataset's roles are checked in the view (test below)",
    "GET reports": "the caller's own reports",
    "POST reports": "each dataset's roles are checked in the view (test below)",
    "GET reports/<uuid:report_id>": "the caller's own reports",
}


# --- Enumeration ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    route: str  # as in the URL conf, router regex groups shown as <name>
    method: str
    path: str  # a concrete path, path parameters filled in
    callback: object

    def __str__(self):
        return f"{self.method} {self.route}"

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None)

    @property
    def is_drf(self) -> bool:
        return self.view_class is not None and issubclass(self.view_class, APIView)

    @property
    def takes_multipart(self) -> bool:
        """A DRF view parses multipart only where it says so (uploads); the default is JSON."""
        if not self.is_drf:
            return True
        parsers = self.view_class.parser_classes
        return any(issubclass(parser, MultiPartParser) for parser in parsers)

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.callback)


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>(?:[^()]|\([^()]*\))*)\)")


def _value_for(converter_regex: str, kind: str = "") -> str:
    """A plausible value of the parameter's type: uuid → a random UUID, int → 1, str/slug → "x"."""
    preferred = {"uuid": [str(uuid.uuid4())], "int": ["1"], "slug": ["x"], "str": ["x"], "path": ["x"]}
    for candidate in [*preferred.get(kind, []), str(uuid.uuid4()), "1", "x"]:
        if re.fullmatch(converter_regex, candidate):
            return candidate
    raise AssertionError(f"no test value matches the path parameter regex {converter_regex!r}")


def _route_text(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        return pattern._regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return str(pattern)


def _concrete(route: str) -> str:
    converters = get_converters()

    def route_param(match):
        kind = match["converter"] or "str"
        return _value_for(converters[kind].regex, kind)

    path = _GROUP.sub(lambda m: _value_for(m["regex"], "uuid"), route)  # router regex groups
    return _PARAM.sub(route_param, path)


def _display(route: str) -> str:
    return _GROUP.sub(lambda m: f"<{m['name']}>", route)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _route_text(pattern.pattern))
        else:
            yield prefix + _route_text(pattern.pattern), pattern.callback


def _api_resolver() -> URLResolver:
    (api,) = [p for p in get_resolver().url_patterns if isinstance(p, SegmentIndexedResolver)]
    assert str(api.pattern) == "api/v1/"
    return api


def _methods(callback) -> tuple[str, ...]:
    cls = getattr(callback, "cls", None)
    if cls is not None and issubclass(cls, APIView):
        allowed = set(cls.http_method_names)
        actions = getattr(callback, "actions", None)  # a ViewSet: its router's method → action map
        names = list(actions) if actions else [m for m in HANDLER_METHODS if hasattr(cls, m)]
        return tuple(m.upper() for m in names if m in allowed and m in HANDLER_METHODS)
    if inspect.iscoroutinefunction(callback):
        return ("GET",)
    return PLAIN_VIEW_METHODS.get(callback.__name__, ())


@cache
def endpoints() -> tuple[Endpoint, ...]:
    seen, found = set(), []
    for route, callback in _walk(_api_resolver().url_patterns):
        key = (route.rstrip("/"), id(callback))  # optional_slash: each route with and without "/"
        if key in seen:
            continue
        seen.add(key)
        path = "/api/v1/" + _concrete(route.rstrip("/"))
        for method in _methods(callback):
            found.append(Endpoint(_display(route.rstrip("/")), method, path, callback))
    return tuple(found)


def _plain_views_without_methods() -> list[str]:
    return sorted({_display(r) for r, cb in _walk(_api_resolver().url_patterns) if not _methods(cb)})


# --- What the views' permissions say ----------------------------------------------------------------


def _view_for(endpoint: Endpoint, user):
    """The DRF view as dispatch sets it up for a request of ``endpoint.method`` by ``user``."""
    callback = endpoint.callback
    view = endpoint.view_class(**getattr(callback, "initkwargs", {}))
    actions = getattr(callback, "actions", None)
    if actions:
        view.action_map = actions
        view.action = actions.get(endpoint.method.lower())
    request = Request(APIRequestFactory().generic(endpoint.method, endpoint.path))
    request.user = user
    match = resolve(endpoint.path)
    view.request, view.args, view.kwargs = request, match.args, match.kwargs
    view.format_kwarg, view.headers = None, {}
    return view, request


def _allows(endpoint: Endpoint, user) -> bool:
    if not endpoint.is_drf:
        return True  # plain Django views have no DRF permission gate (see PLAIN_VIEW_METHODS)
    view, request = _view_for(endpoint, user)
    return all(permission.has_permission(request, view) for permission in view.get_permissions())


def _excludes_customers(permission) -> bool:
    """Whether a permission needs a role a customer does not hold, read from its class."""
    if isinstance(permission, AND):
        return _excludes_customers(permission.op1) or _excludes_customers(permission.op2)
    if isinstance(permission, OR):
        return _excludes_customers(permission.op1) and _excludes_customers(permission.op2)
    if isinstance(permission, NOT):
        return False
    if isinstance(permission, HasRole):
        return CUSTOMER not in permission.roles
    return isinstance(permission, ReadStaffWriteAdmin)


def _role_gated(endpoint: Endpoint) -> bool:
    if not endpoint.is_drf:
        return False
    view, _ = _view_for(endpoint, AnonymousUser())
    return any(_excludes_customers(permission) for permission in view.get_permissions())


@cache
def public_endpoints() -> frozenset[str]:
    return frozenset(str(e) for e in endpoints() if _allows(e, AnonymousUser()))


@cache
def role_gated_endpoints() -> tuple[Endpoint, ...]:
    return tuple(e for e in endpoints() if _role_gated(e))


# --- Calling --------------------------------------------------------------------------------------


def _call(client, endpoint: Endpoint, *, token: str | None = None):
    """``endpoint`` with an empty JSON body for writes; async views through the ASGI handler."""
    body = {}
    if endpoint.method in WRITE_METHODS:
        body = {"data": "{}", "content_type": "application/json"}
    if endpoint.is_async:
        headers = {"authorization": f"Bearer {token}"} if token else {}

        async def call():
            return await AsyncClient(headers=headers).generic(endpoint.method, endpoint.path, **body)

        return async_to_sync(call)()
    return client.generic(endpoint.method, endpoint.path, **body)


def _token(client) -> str | None:
    header = client._credentials.get("HTTP_AUTHORIZATION", "")
    return header.removeprefix("Bearer ") or None


def _assert_envelope(response):
    """Any 4xx answer in the error envelope."""
    body = json.loads(response.content)
    kind = body.get("type") if isinstance(body, dict) else None
    assert kind in {"client_error", "validation_error"}, body
    return assert_error(response, response.status_code, kind=kind)


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in django_apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _ids(items):
    return [str(item) for item in items]


# --- The enumeration --------------------------------------------------------------------------------


def test_every_api_route_is_enumerated_with_its_methods_and_resolves_to_its_own_view():
    found = endpoints()
    routes = {e.route for e in found}
    assert len(routes) >= 90 and len(found) >= 110, (len(routes), len(found))
    assert _plain_views_without_methods() == [], "add these plain views to PLAIN_VIEW_METHODS"
    assert len(set(map(str, found))) == len(found), "the same route and method twice"
    for endpoint in found:
        for path in (endpoint.path, endpoint.path + "/"):  # both slash forms, no route shadowed
            assert resolve(path).func is endpoint.callback, (str(endpoint), path, resolve(path).func)
    # A few anchors, so a broken walk cannot pass by finding nothing of substance.
    assert {"GET users", "POST users", "PATCH users/<pk>", "DELETE users/<pk>"} <= set(map(str, found))
    assert "PUT users/<pk>" not in set(map(str, found))  # http_method_names leaves PUT out
    assert {"POST import/contacts", "POST media", "GET track/<str:tracking_code>/stream"} <= set(
        map(str, found)
    )


def test_the_public_routes_derived_from_the_permissions_are_exactly_the_documented_ones():
    derived = public_endpoints()
    assert sorted(derived - PUBLIC.keys()) == [], "public by their permissions but not in PUBLIC"
    assert sorted(PUBLIC.keys() - derived) == [], "in PUBLIC but their permissions need a user"
    assert sorted(PUBLIC.keys() - set(map(str, endpoints()))) == [], "in PUBLIC but no such route"


def test_the_routes_open_to_any_signed_in_user_are_exactly_the_documented_ones():
    gated = set(map(str, role_gated_endpoints()))
    derived = {str(e) for e in endpoints()} - public_endpoints() - gated
    assert sorted(derived - SIGNED_IN.keys()) == [], "open to any signed-in user but not in SIGNED_IN"
    assert sorted(SIGNED_IN.keys() - derived) == [], "in SIGNED_IN but public, role-gated or gone"


def test_the_role_gated_routes_are_exactly_those_whose_permissions_refuse_a_customer(make_user):
    """The class-based detection of staff/provider-only routes (HasRole without customer,
    ReadStaffWriteAdmin) agrees with asking every view's permissions about a real customer; a
    custom permission that refuses customers without being one of those fails here."""
    customer = make_user("customer")
    refused = {str(e) for e in endpoints() if not _allows(e, customer)}
    gated = set(map(str, role_gated_endpoints()))
    assert sorted(refused - gated) == [] and sorted(gated - refused) == []
    assert len(gated) >= 50, len(gated)


# --- 1. Anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints(), ids=_ids(endpoints()))
def test_anonymous_gets_401_everywhere_but_the_documented_public_routes(endpoint):
    response = _call(APIClient(), endpoint)
    assert response.status_code < 500, (str(endpoint), response.status_code, response.content[:500])
    if str(endpoint) not in PUBLIC:
        assert_error(response, 401, code="not_authenticated")
        return
    _, expected = PUBLIC[str(endpoint)]
    assert response.status_code in expected, (str(endpoint), response.status_code, response.content[:500])
    assert response.status_code != 401
    if response.status_code >= 400:
        _assert_envelope(response)


# --- 2. A customer on staff (and provider) routes ------------------------------------------------


@pytest.mark.parametrize("endpoint", role_gated_endpoints(), ids=_ids(role_gated_endpoints()))
def test_a_customer_gets_403_or_404_on_role_gated_routes(endpoint, auth_client):
    client = auth_client("customer")
    response = _call(client, endpoint, token=_token(client))
    assert response.status_code in (403, 404), (str(endpoint), response.status_code, response.content[:500])
    assert_error(
        response, response.status_code, code="permission_denied" if response.status_code == 403 else None
    )


_OPEN_TO_CUSTOMERS = tuple(e for e in endpoints() if e not in role_gated_endpoints())


@pytest.mark.parametrize("endpoint", _OPEN_TO_CUSTOMERS, ids=_ids(_OPEN_TO_CUSTOMERS))
def test_a_customer_never_gets_a_5xx_and_errors_are_in_the_envelope(endpoint, auth_client):
    client = auth_client("customer")
    response = _call(client, endpoint, token=_token(client))
    assert response.status_code < 500, (str(endpoint), response.status_code, response.content[:500])
    if response.status_code >= 400:
        _assert_envelope(response)


def _datasets():
    from apps.reports.datasets import DATASETS

    return sorted(name for name, dataset in DATASETS.items() if CUSTOMER not in dataset.roles)


@pytest.mark.parametrize("dataset", _datasets())
def test_a_customer_cannot_export_or_queue_a_report_of_a_staff_dataset(dataset, auth_client):
    """/export/{dataset} and POST /reports are open to any signed-in user (IsAuthenticated) and
    check the dataset's roles in the view: the staff datasets are role-gated all the same."""
    from apps.reports.models import Report

    client = auth_client("customer")
    assert_error(client.get(f"/api/v1/export/{dataset}"), 403, code="permission_denied")
    response = client.post("/api/v1/reports", {"dataset": dataset}, format="json")
    assert_error(response, 403, code="permission_denied")
    assert not Report.objects.exists()


# --- 3. Oversized bodies --------------------------------------------------------------------------

_WRITES = tuple(e for e in endpoints() if e.method in WRITE_METHODS)
BODY_LIMIT, UPLOAD_LIMIT = 1024, 4096


def _oversized(kind: str) -> tuple[bytes | str, str]:
    if kind == "json":
        return json.dumps({"padding": "x" * (BODY_LIMIT * 2)}), "application/json"
    if kind == "form":
        return "padding=" + "x" * (BODY_LIMIT * 2), "application/x-www-form-urlencoded"
    upload = SimpleUploadedFile("big.csv", b"email\n" + b"a" * (UPLOAD_LIMIT * 2), content_type="text/csv")
    return encode_multipart(BOUNDARY, {"file": upload}), MULTIPART_CONTENT


@pytest.fixture
def limits(settings, tmp_path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    settings.API_MAX_UPLOAD_BYTES = UPLOAD_LIMIT
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
@pytest.mark.parametrize("endpoint", _WRITES, ids=_ids(_WRITES))
def test_an_oversized_body_is_413_on_every_write_and_nothing_is_stored(endpoint, kind, limits, auth_client):
    client = auth_client("admin")  # allowed everywhere: only the size can stop it
    before = _row_counts()
    data, content_type = _oversized(kind)
    response = client.generic(endpoint.method, endpoint.path, data, content_type=content_type)
    body = assert_error(response, 413, code="payload_too_large")
    limit = UPLOAD_LIMIT if kind == "multipart" else BODY_LIMIT
    assert f"the limit is {limit} bytes" in body["errors"][0]["detail"]
    assert _row_counts() == before
    assert _stored_files(limits) == []


def test_a_media_upload_over_media_max_upload_bytes_is_413_and_stores_nothing(limits, settings, auth_client):
    from apps.cms.models import MediaFile

    settings.API_MAX_UPLOAD_BYTES = 1024 * 1024  # the request passes the middleware...
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000  # ...the file is over the media library's limit
    client = auth_client("content")
    upload = SimpleUploadedFile("big.txt", b"a" * 1001, content_type="text/plain")
    response = client.post("/api/v1/media", {"file": upload, "alt_text": "big"}, format="multipart")
    assert_error(response, 413, code="file_too_large")
    assert MediaFile.objects.count() == 0
    assert _stored_files(limits) == []


def test_a_media_upload_over_the_request_limit_is_413_before_the_view(limits, auth_client):
    from apps.cms.models import MediaFile

    client = auth_client("content")
    upload = SimpleUploadedFile("big.txt", b"a" * (UPLOAD_LIMIT + 1), content_type="text/plain")
    response = client.post("/api/v1/media", {"file": upload}, format="multipart")
    assert_error(response, 413, code="payload_too_large")
    assert MediaFile.objects.count() == 0
    assert _stored_files(limits) == []


def test_a_contact_import_over_leads_import_max_bytes_is_413_and_imports_nothing(
    limits, settings, auth_client
):
    from apps.leads.models import ImportJob, Inquiry

    settings.API_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.LEADS_IMPORT_MAX_BYTES = 100
    rows = "\n".join(f"a{n}@example.com,Contact {n}" for n in range(10))
    upload = SimpleUploadedFile(
        "contacts.csv", f"email,full_name\n{rows}\n".encode(), content_type="text/csv"
    )
    response = auth_client("sales").post("/api/v1/import/contacts", {"file": upload}, format="multipart")
    assert_error(response, 413, code="file_too_large", attr="file")
    assert not Inquiry.objects.exists() and not ImportJob.objects.exists()


def test_a_contact_import_over_the_request_limit_is_413_before_the_view(limits, auth_client):
    from apps.leads.models import ImportJob, Inquiry

    rows = "\n".join(f"a{n}@example.com,Contact {n}" for n in range(400))
    content = f"email,full_name\n{rows}\n".encode()
    assert len(content) > UPLOAD_LIMIT
    upload = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
    response = auth_client("sales").post("/api/v1/import/contacts", {"file": upload}, format="multipart")
    assert_error(response, 413, code="payload_too_large")
    assert not Inquiry.objects.exists() and not ImportJob.objects.exists()


@pytest.mark.parametrize("endpoint", _WRITES, ids=_ids(_WRITES))
def test_a_multipart_body_with_an_oversized_field_is_413_not_a_5xx(endpoint, limits, auth_client):
    """Under the multipart limit, so the middleware lets it through, but with a form field over
    DATA_UPLOAD_MAX_MEMORY_SIZE: parsing it is refused with 413 in the envelope (or the view answers
    404 for the made-up object before it reads the body), and nothing is stored. An endpoint that
    takes JSON alone may refuse the multipart body with 415 before reading it."""
    from apps.core.selectors import site_settings_get

    site_settings_get()  # the settings singleton is created on first read, not by a write
    client = auth_client("admin")
    before = _row_counts()
    data = encode_multipart(BOUNDARY, {"padding": "x" * (BODY_LIMIT * 2)})
    assert BODY_LIMIT < len(data) < UPLOAD_LIMIT
    response = client.generic(
        endpoint.method,
        endpoint.path,
        data,
        content_type=MULTIPART_CONTENT,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),  # the idempotent views hash the body first
    )
    codes = {404: None, 413: "payload_too_large"}
    if not endpoint.takes_multipart:  # JSON alone (a webhook reads its raw body: 413 as above)
        codes[415] = "unsupported_media_type"
    assert response.status_code in codes, (str(endpoint), response.status_code, response.content[:500])
    assert_error(response, response.status_code, code=codes[response.status_code])
    assert _row_counts() == before
