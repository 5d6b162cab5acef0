"""URL helpers: every API route answers with and without a trailing slash, no redirect."""

from django.urls import Resolver404, URLPattern, URLResolver, path, re_path
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.functional import cached_property

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


def _first_literal_segment(pattern) -> str | None:
    if isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
        first = pattern.pattern._route.split("/", 1)[0]
        if "<" not in first:
            return first
    return None


class SegmentIndexedResolver(URLResolver):
    """A resolver for a long flat list of API routes (``/api/v1/``) that tries only the routes
    whose first path segment is the request's (plus any route not starting with a literal),
    in their original order. Django's resolver tries every route in turn and records each
    miss, which cost more than a small view for the routes listed last. Anything the index
    does not resolve goes through the full list, so matches and 404s are Django's own;
    ``reverse()`` uses the full list too."""

    @cached_property
    def _by_segment(self) -> dict[str, URLResolver]:
        groups: dict[str, list[int]] = {}
        unindexed: list[int] = []
        patterns = list(self.url_patterns)
        for index, pattern in enumerate(patterns):
            segment = _first_literal_segment(pattern)
            if segment is None:
                unindexed.append(index)
            else:
                groups.setdefault(segment, []).append(index)
        return {
            segment: URLResolver(self.pattern, [patterns[i] for i in sorted(indexes + unindexed)])
            for segment, indexes in groups.items()
        }

    def resolve(self, path):
        path = str(path)
        match = self.pattern.match(path)
        if match:
            sub = self._by_segment.get(match[0].split("/", 1)[0])
            if sub is not None:
                try:
                    return sub.resolve(path)
                except Resolver404:
                    pass
        return super().resolve(path)
