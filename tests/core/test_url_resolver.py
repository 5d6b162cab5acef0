"""The segment-indexed API resolver resolves every API route exactly as Django's own resolver
over the same list (view, arguments, route, name), and misses the same paths."""

import re

import pytest
from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RoutePattern

from apps.core.urls import SegmentIndexedResolver
from config.urls import api_v1
from tests.helpers import PATH_SAMPLES


def _sample_path(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: PATH_SAMPLES[m.group(1) or "str"], route)


def _resolvers():
    prefix = RoutePattern("api/v1/", is_endpoint=False)
    return SegmentIndexedResolver(prefix, api_v1), URLResolver(prefix, api_v1)


def _same(a, b):
    return (a.func, a.args, a.kwargs, a.route, a.url_name) == (b.func, b.args, b.kwargs, b.route, b.url_name)


def test_every_api_route_resolves_as_with_djangos_resolver():
    indexed, plain = _resolvers()
    routes = [p.pattern._route for p in api_v1 if isinstance(p.pattern, RoutePattern)]
    assert len(routes) > 100
    for route in routes:
        path = "api/v1/" + _sample_path(route)
        assert _same(indexed.resolve(path), plain.resolve(path)), path


@pytest.mark.parametrize("path", ["api/v1/nope", "api/v1/inquiries/not-a-uuid", "api/v1/", "api/v2/products"])
def test_misses_are_the_same(path):
    indexed, plain = _resolvers()
    outcomes = []
    for resolver in (indexed, plain):
        try:
            outcomes.append(resolver.resolve(path).url_name)
        except Resolver404:
            outcomes.append("404")
    assert outcomes[0] == outcomes[1]


def test_reverse_still_works(client):
    from django.urls import reverse

    assert (
        reverse("track", kwargs={"tracking_code": "FD-AAAA-BBBB-CCCC"}) == "/api/v1/track/FD-AAAA-BBBB-CCCC"
    )
