"""Searchable sources: (group name, who may search it, function(q, user, limit) → (total, hits)).
Staff-only sources follow the visibility of their own lists."""

from collections.abc import Callable

from apps.catalog.api import product_search
from apps.cms.api import news_search
from apps.leads.api import inquiry_search, may_search
from apps.rfq import api as rfq


def _everyone(*, user: object) -> bool:
    return True


# (name, may(*, user) -> bool, search(*, q, user, limit) -> (total, hits))
SOURCES: list[tuple[str, Callable[..., bool], Callable[..., tuple[int, list[dict]]]]] = [
    ("products", _everyone, product_search),
    ("news", _everyone, news_search),
    # Staff of sales, support and admin; a sales user finds only the inquiries assigned to them.
    ("inquiries", may_search, inquiry_search),
    # Staff of sales, support and admin; a sales user finds only the RFQs assigned to them.
    ("rfqs", rfq.may_search, rfq.rfq_search),
]
