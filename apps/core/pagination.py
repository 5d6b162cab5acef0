from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, QuerySet, Window
from rest_framework import pagination
from rest_framework.exceptions import NotFound

# The largest offset a page may start at: beyond it there are no rows (and the databases refuse
# the number: SQLite and PostgreSQL take 64-bit offsets at most).
MAX_OFFSET = 2**53


class PageNumberPagination(pagination.PageNumberPagination):
    """The contract's page envelope: {count, next, previous, results}; page_size max 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_fetched(self, request, fetch) -> list:
        """Paginate a source that returns a page and the total in one go:
        ``fetch(offset, limit) -> (total, rows)``. Same page numbers, page sizes, errors and
        envelope as ``paginate_queryset``, without a separate count query."""
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
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
