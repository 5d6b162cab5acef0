import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

# The largest offset a page may start at: beyond it there are no rows (and the databases refuse
# the number: SQLite and PostgreSQL take 64-bit offsets at most).
MAX_OFFSET = 2**53


COUNT_SOURCE = "_count_rows_of"


def count_rows_of(rows: QuerySet, source: QuerySet) -> QuerySet:
    """Mark ``rows`` (e.g. ``source.values(...)``, whose lookups join tables a count does not
    need) to be counted as ``source`` by the paginator."""
    setattr(rows, COUNT_SOURCE, source)
    return rows


def _count_key_sql(query) -> tuple[str, tuple]:
    """SQL that identifies the count of ``query``: its FROM and WHERE. The columns, their
    joins for ``select_related`` and the order change no count, and compiling them costs more
    than the cached count saves (docs/benchmarks.md).
    Queries whose columns do count (DISTINCT, GROUP BY, slices, unions) are keyed whole."""
    if query.distinct or query.combinator or query.is_sliced or query.group_by is not None:
        return query.sql_with_params()
    query = query.clone()
    query.clear_select_clause()
    query.clear_ordering(force=True)
    return query.sql_with_params()


def list_count(queryset) -> int:
    """The queryset's row count: exact for lists up to LIST_COUNT_CACHE_MIN_ROWS; a larger one
    is counted once and kept LIST_COUNT_CACHE_SECONDS for the same query (same FROM and WHERE,
    same parameters: one caller's visibility filters are part of the key), so a staff list of
    100,000 orders does not count them on every page view. A small list is never cached: it
    is cheap to count and any write shows at once."""
    if not isinstance(queryset, QuerySet):
        return len(queryset)
    # A page read as values counts the rows of the queryset it reads (``count_rows_of``).
    queryset = getattr(queryset, COUNT_SOURCE, queryset)
    seconds = settings.LIST_COUNT_CACHE_SECONDS
    if not seconds:
        return queryset.count()
    sql, params = _count_key_sql(queryset.query)
    digest = hashlib.blake2b(f"{queryset.db}\x00{sql}\x00{params!r}".encode(), digest_size=16).hexdigest()
    key = f"list-count:{digest}"
    total = cache.get(key)
    if total is None:
        total = queryset.count()
        if total >= settings.LIST_COUNT_CACHE_MIN_ROWS:
            cache.set(key, total, seconds)
    return total


class CountCachingPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return list_count(self.object_list)


_WHOLE_NUMBER = re.compile(r"[1-9][0-9]{0,999}")


def whole_number_param(request, name: str) -> int | None:
    """The query parameter ``name`` as a whole number from 1, or None when it is absent.
    Anything else (empty, ``abc``, ``0``, ``-1``, ``1.5``) is a 400 naming the parameter:
    quietly falling back to a default would hide a client's bug."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ValidationError({name: ["Must be a whole number from 1."]}, code="invalid")
    return int(raw)


class StrictPageSizeMixin:
    """``?page_size=`` is a whole number from 1 (else a 400: DRF would silently use the
    default); past ``max_page_size`` it is capped, as DRF does. The schema says both."""

    def get_page_size(self, request):
        size = whole_number_param(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Results per page (default {self.page_size}; "
                    f"larger values are capped at {self.max_page_size})."
                )
            elif parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"]["minimum"] = 1
        return parameters


class CursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    """DRF's cursor pages with the strict ``?page_size=``."""


class PageNumberPagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    """The contract's page envelope: {count, next, previous, results}; ``page`` a whole number
    from 1 (or ``last``), ``page_size`` a whole number from 1 (capped at 100), else a 400; a
    page past the end is a 404. The count of a large list may be up to
    LIST_COUNT_CACHE_SECONDS old (``list_count``)."""

    django_paginator_class = CountCachingPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        return whole_number_param(request, self.page_query_param) or 1

    def paginate_fetched(self, request, fetch) -> list:
        """Paginate a source that returns a page and the total in one go:
        ``fetch(offset, limit) -> (total, rows)``. Same page numbers, page sizes, errors and
        envelope as ``paginate_queryset``, without a separate count query."""
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param)
        if raw not in self.last_page_strings:
            raw = whole_number_param(request, self.page_query_param) or 1
        else:
            total, _ = fetch(0, 0)
            raw = max(1, -(-total // size))
        try:
            number = int(raw)
            if number < 1:
                raise InvalidPage("That page number is less than 1")
            if (number - 1) * size > MAX_OFFSET:  # past any real list, and past what SQL takes
                raise InvalidPage("That page contains no results")
            total, rows = fetch((number - 1) * size, size)
            paginator = Paginator(range(total), size)  # len(range) costs nothing
            number = paginator.validate_number(number)
        except (ValueError, InvalidPage) as exc:
            message = str(exc) if isinstance(exc, InvalidPage) else "That page number is not an integer"
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=message)) from exc
        self.page = Page(rows, number, paginator)
        return rows

    def paginate_small_set(self, queryset: QuerySet, request) -> list:
        """``paginate_queryset`` in one statement for a queryset known to be small (a user's
        own rows): the total comes with the page as ``COUNT(*) OVER ()``, saving the separate
        count's round trip. Not for large sets: the window makes the database read every row."""

        def fetch(offset: int, limit: int):
            counted = queryset.annotate(_page_total=Window(Count("pk")))
            rows = list(counted[offset : offset + limit]) if limit else []
            if rows:
                return rows[0]._page_total, rows
            return (queryset.count() if offset or not limit else 0), rows

        return self.paginate_fetched(request, fetch)


# The query parameters of paging itself: a request with no others is a plain listing.
PAGE_PARAMS = frozenset({PageNumberPagination.page_query_param, PageNumberPagination.page_size_query_param})
