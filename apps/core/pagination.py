from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """The contract's page envelope: {count, next, previous, results}; page_size max 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CountedRows:
    """A page source whose total comes from a cheaper query: ``rows`` is the ordered,
    projected queryset to slice; ``count_from`` the same filter without joins or annotations."""

    ordered = True

    def __init__(self, rows, count_from):
        self.rows, self.count_from = rows, count_from

    def count(self) -> int:
        return self.count_from.count()

    def __getitem__(self, item):
        return self.rows[item]

    def __len__(self) -> int:
        return self.count()
