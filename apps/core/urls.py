"""URL helpers: every API route answers with and without a trailing slash, no redirect."""

from django.urls import path, re_path
from django.urls.resolvers import RegexPattern, RoutePattern

from .views import api_not_found  # noqa: F401  (re-exported for config.urls)


def optional_slash(route: str, view, name: str | None = None):
    """``path(route)`` plus ``path(route + "/")``; only the first is named and documented."""
    return [path(route, view, name=name), path(f"{route}/", view)]


def with_optional_slashes(patterns):
    """For router-generated patterns (``trailing_slash=""``): add the slash variant of each."""
    out = []
    for pattern in patterns:
        out.append(pattern)
        p = pattern.pattern
        if isinstance(p, RegexPattern):
            regex = p._regex
            if regex.endswith("$") and not regex.endswith("/$"):
                out.append(re_path(regex[:-1] + "/$", pattern.callback))
        elif isinstance(p, RoutePattern):
            out.append(path(f"{p._route}/", pattern.callback))
    return out
