"""Bad input is never a 500, generated from the URL conf and the OpenAPI schema (issue 16,
item 13), so a new endpoint or filter is covered the day it is added:

- every route under /api/v1/ (the URL conf, so plain Django views and views left out of the
  schema count too) gets, for each of its writes with a body (POST, PUT, PATCH), a body nested
  1,000 deep, a NUL character in a string value and one in an object key;
- every date-time query parameter in the schema (and the exports' filters) gets a UTC offset
  beyond ±14:00;

as an admin and anonymously. The answer is the error envelope: 400, or 401/403/404/405/415
where authentication, permissions, routing or the endpoint's media type answer first; never a
500. The same test runs in CI's PostgreSQL run, where NUL characters and offsets were 500s.
DELETE is left out: no endpoint reads a DELETE's body."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls.resolvers import RegexPattern
from rest_framework_simplejwt.tokens import RefreshToken

from apps.notifications.webhooks import TRACKING_VIEWS
from config.urls import api_v1
from tests.core.test_calendar_edges import dated_parameters
from tests.helpers import PATH_SAMPLES, assert_error
from tests.tracking.factories import carrier

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch")
BODIES = {
    "nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "NUL in a value": '{"probe": "a\\u0000b", "name": "a\\u0000b", "email": "a\\u0000@example.com"}',
    "NUL in a key": '{"a\\u0000b": "probe"}',
}
BODY_ERRORS = {"parse_error", "null_characters_not_allowed"}
ANSWERED_FIRST = {401, 403, 404, 405, 415}
BAD_OFFSET = "2000-01-01T17:00:16-23:11"
KNOWN = {"carrier": "dhl"}  # parameters whose objects the test creates, so the view goes further
CHOICES = {"esp": sorted(TRACKING_VIEWS)}


def _concrete(route: str) -> list[str]:
    paths = [route]
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        values = CHOICES.get(name) or [KNOWN.get(name) or PATH_SAMPLES[converter or "str"]]
        pattern = f"<{converter}:{name}>" if converter else f"<{name}>"
        paths = [p.replace(pattern, value) for p in paths for value in values]
    return ["/api/v1/" + p for p in paths]


def _writes(callback) -> list[str]:
    actions = getattr(callback, "actions", None)  # a viewset's routes: method → action
    if actions is not None:
        return [m for m in WRITES if m in actions]
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return [m for m in WRITES if hasattr(view_class, m)]
    return list(WRITES)  # a plain function view: every verb


def _route(pattern) -> str:
    if isinstance(pattern, RegexPattern):  # a router's: ^users/(?P<pk>[^/.]+)$
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<uuid:\1>", pattern._regex.strip("^$"))
    return pattern._route


def write_endpoints() -> list[tuple[str, str]]:
    found = []
    for pattern in api_v1:
        route = _route(pattern.pattern)
        if route.endswith("/"):
            continue  # the trailing-slash twin of a route is the same view
        for path in _concrete(route):
            found += [(method, path) for method in _writes(pattern.callback)]
    return found


@pytest.fixture
def clients(make_user, settings):
    # The email webhooks and a carrier's are open, so bodies reach their parsing too.
    settings.ANYMAIL = {
        "MAILGUN_WEBHOOK_SIGNING_KEY": "key-matrix",
        "RESEND_SIGNING_SECRET": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        "WEBHOOK_SECRET": "user:password",
    }
    carrier("dhl")
    admin = make_user("admin")
    token = RefreshToken.for_user(admin).access_token
    return {
        "admin": Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False),
        "anonymous": Client(raise_request_exception=False),
    }


def _request(client, method: str, path: str, body: str | None = None, query: dict | None = None):
    cache.clear()  # no throttle answers first
    if body is None:
        return client.get(path, query)
    return client.generic(method.upper(), path, body, content_type="application/json")


def _envelope(response) -> dict | None:
    """The error envelope of ``response``, or None if it is not one."""
    try:
        return assert_error(response, response.status_code, kind=response.json().get("type"))
    except (AssertionError, ValueError):
        return None


def test_bad_json_bodies_to_every_write_endpoint_are_answered_not_500(clients):
    endpoints = write_endpoints()
    assert len(endpoints) > 70, endpoints  # the generator found the API's writes
    refused_on_the_body, problems = set(), []
    for who, client in clients.items():
        for method, path in endpoints:
            for label, body in BODIES.items():
                response = _request(client, method, path, body)
                envelope = _envelope(response)
                if envelope is None or (
                    response.status_code != 400 and response.status_code not in ANSWERED_FIRST
                ):
                    problems.append((who, method, path, label, response.status_code, response.content[:200]))
                elif response.status_code == 400 and {e["code"] for e in envelope["errors"]} & BODY_ERRORS:
                    refused_on_the_body.add((who, method, path))
    assert problems == [], "\n".join(map(str, problems))
    # The bodies were really parsed and refused, anonymously too (login, register, inquiries...).
    # (An endpoint of one object answers 404 for the sample id before it reads the body.)
    assert len({e for e in refused_on_the_body if e[0] == "admin"}) >= 25, refused_on_the_body
    assert len({e for e in refused_on_the_body if e[0] == "anonymous"}) >= 10, refused_on_the_body


def test_a_utc_offset_beyond_14_hours_on_every_date_time_filter_is_a_400(clients):
    cases = [(path, name) for path, name, kind in dated_parameters() if kind == "date-time"]
    assert len(cases) >= 30, cases
    problems = []
    for who, client in clients.items():
        for path, name in cases:
            response = _request(client, "get", path, query={name: BAD_OFFSET})
            expected = (400,) if who == "admin" else (400, 401, 403)
            envelope = _envelope(response)
            if envelope is None or response.status_code not in expected:
                problems.append((who, path, name, response.status_code, response.content[:200]))
            elif response.status_code == 400:
                assert_error(response, 400, kind="validation_error", attr=name)
    assert problems == [], "\n".join(map(str, problems))
