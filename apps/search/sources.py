"""Searchable sources: (group name, who may search it, function(q, user, limit) → (total, hits)).
Later apps (leads, rfq) add their sources here, staff-only."""

from apps.catalog.api import product_search
from apps.cms.api import news_search
from apps.leads.api import inquiry_search, may_search


def _everyone(user) -> bool:
    return True


SOURCES = [
    ("products", _everyone, product_search),
    ("news", _everyone, news_search),
    # Staff of sales, support and admin; a sales user finds only the inquiries assigned to them.
    ("inquiries", may_search, inquiry_search),
]
