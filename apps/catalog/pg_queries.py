"""The public catalog reads on PostgreSQL, each in ONE prepared SQL statement.

The product list page and the product page are the hottest endpoints. Building them with
the ORM costs several queries, each compiled in Python and planned by PostgreSQL on every
request; here a page of products (its total, the site's default currency and the cards with
variants, prices and images aggregated as JSON) and a product page (with its documents) are
each one statement, built from fixed SQL fragments and planned once per connection. Every
value is a bound parameter; only whitelisted fragments are formatted in. Why this path is
kept next to the ORM one: docs/decisions/0006-postgresql-fast-paths.md.

``selectors`` holds the portable ORM version of the same reads: it runs on SQLite, and it is
the reference that tests/catalog/test_pg_equivalence.py compares this module with, for every
filter, ordering, page, currency and audience. Filters, orderings and output must stay the
same; a change to one path is made to the other in the same commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from .models import Product

# The currency asked for, else the site's default (the settings row may not exist yet).
_CURRENCY_CTE = """cur AS (
    SELECT coalesce(%(currency)s::varchar,
                    (SELECT default_currency FROM core_sitesettings WHERE singleton = 1),
                    %(fallback_currency)s::varchar) AS code
)"""

_CARD_COLUMNS = """
       p.id, p.name, p.slug, p.status, p.position, p.created_at, p.updated_at,
       c.id AS category_id, c.name AS category_name, c.slug AS category_slug,
       (SELECT coalesce(json_agg(json_build_object(
                  'sku', v.sku, 'name', v.name, 'attributes', v.attributes, 'weight', v.weight::text,
                  'amount', pr.amount::text, 'compare_at', pr.compare_at_amount::text)
                ORDER BY v.position, v.sku), '[]'::json)
          FROM catalog_variant v
          LEFT JOIN catalog_price pr ON pr.variant_id = v.id AND pr.currency = cur.code
         WHERE v.product_id = p.id AND v.is_active) AS variants,
       (SELECT coalesce(json_agg(json_build_object(
                  'id', m.id, 'file', m.file, 'alt_text', i.alt_text, 'media_alt_text', m.alt_text,
                  'width', m.width, 'height', m.height) ORDER BY i.position, i.id), '[]'::json)
          FROM catalog_productimage i JOIN cms_mediafile m ON m.id = i.media_id
         WHERE i.product_id = p.id) AS images"""

_DETAIL_COLUMNS = """,
       p.description, p.specifications::text, p.features::text, p.applications::text,
       p.seo_title, p.seo_description, og.file AS og_image__file,
       (SELECT coalesce(json_agg(json_build_object(
                  'id', d.id, 'title', d.title, 'description', d.description, 'kind', d.kind,
                  'file_id', d.file_id, 'file_name', f.file_name, 'size', f.size,
                  'mime_type', f.mime_type, 'category_id', d.category_id, 'product_id', d.product_id,
                  'access_level', d.access_level, 'download_count', d.download_count,
                  'created_at', d.created_at) ORDER BY d.title, d.id), '[]'::json)
          FROM catalog_document d JOIN cms_mediafile f ON f.id = d.file_id
         WHERE d.product_id = p.id AND d.access_level = ANY(%(document_levels)s)) AS documents"""

# The SQL twin of selectors.ORDERINGS (same keys, same order, ``id`` breaking ties).
_PRICE_FROM = """(SELECT min(pr.amount) FROM catalog_variant v
    JOIN catalog_price pr ON pr.variant_id = v.id AND pr.currency = (SELECT code FROM cur)
   WHERE v.product_id = p.id AND v.is_active)"""
ORDER_SQL = {
    "name": "p.name ASC, p.id ASC",
    "-name": "p.name DESC, p.id ASC",
    "price": f"coalesce({_PRICE_FROM}, 1e12) ASC, p.name ASC, p.id ASC",
    "-price": f"coalesce({_PRICE_FROM}, -1) DESC, p.name ASC, p.id ASC",
    "newest": "p.created_at DESC, p.id ASC",
    "-newest": "p.created_at ASC, p.id ASC",
    "position": "p.position ASC, p.name ASC, p.id ASC",
    "-position": "p.position DESC, p.name ASC, p.id ASC",
}


# Only the fixed fragments above are formatted into these; every value is a bound parameter.
_PAGE_SQL = """
WITH {currency_cte},
page AS (
    SELECT p.id, row_number() OVER (ORDER BY {order}) AS n
      FROM catalog_product p
     WHERE {where}
     ORDER BY {order}
     LIMIT {limit} OFFSET {offset}
)
SELECT {total} AS total, cur.code AS currency,
       {cards}
  FROM cur
  LEFT JOIN page ON TRUE
  LEFT JOIN catalog_product p ON p.id = page.id
  LEFT JOIN catalog_category c ON c.id = p.category_id
 ORDER BY page.n
"""
# The total, in the same statement as the page: without other filters, the per-status counts
# kept by triggers (migration 0006, ADR 0006 item 2); with filters, a count of the matching
# products.
_STATUS_COUNT = (
    "(SELECT coalesce(sum(n), 0)::bigint FROM catalog_product_status_count WHERE status = {status})"
)
_FILTERED_COUNT = "(SELECT count(*) FROM catalog_product p WHERE {where})"
_ALL_COUNT = "(SELECT coalesce(sum(n), 0)::bigint FROM catalog_product_status_count)"
_PRICE_EXISTS = """EXISTS (SELECT 1 FROM catalog_variant v JOIN catalog_price pr ON pr.variant_id = v.id
    WHERE {conditions})"""
_IN_STOCK = """EXISTS (SELECT 1 FROM catalog_variant v
    JOIN inventory_stocklevel s ON s.variant_id = v.id
    JOIN inventory_warehouse w ON w.id = s.warehouse_id AND w.is_active
    WHERE v.product_id = p.id AND v.is_active AND s.on_hand > s.reserved)"""
_DETAIL_SQL = """
WITH {currency_cte}
SELECT cur.code AS currency, {cards}{detail}
  FROM cur
  JOIN catalog_product p ON p.slug = %(slug)s AND {where}
  LEFT JOIN catalog_category c ON c.id = p.category_id
  LEFT JOIN cms_mediafile og ON og.id = p.og_image_id
"""


# Statuses, page sizes and offsets are written into the SQL as literals (statuses from this
# fixed table, numbers through int()): a prepared statement with nothing else to bind gets a
# generic plan, planned once per connection; with LIMIT as a parameter the planner would
# guess 10% of the table and hash-join all of it.
_STATUS_LITERALS = {value: f"'{value}'" for value in Product.Status.values}


COMPACT_STATUS_COUNTS_SQL = """
WITH folded AS (DELETE FROM catalog_product_status_count RETURNING status, n)
INSERT INTO catalog_product_status_count (status, n)
    SELECT status, sum(n) FROM folded GROUP BY status HAVING sum(n) <> 0
"""


def compact_status_counts() -> None:
    """Fold the appended per-status changes into one row per status (rows of transactions
    still open are not visible here and stay as they are)."""
    with connection.cursor() as cursor:
        cursor.execute(COMPACT_STATUS_COUNTS_SQL)


def _like(text: str) -> str:
    """``text`` as a literal ILIKE substring pattern (Django's ``icontains``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(
    *,
    public: bool,
    status: str | None,
    category_ids,
    min_price: Decimal | None,
    max_price: Decimal | None,
    search: str | None,
    in_stock: bool | None = None,
) -> tuple[str, dict]:
    """The WHERE clause of selectors.product_list, on ``catalog_product p``."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    status = Product.Status.ACTIVE if public else status
    if status:
        clauses.append(f"p.status = {_STATUS_LITERALS[status]}")
    if category_ids is not None:
        clauses.append("p.category_id = ANY(%(category_ids)s)")
        params["category_ids"] = list(category_ids)
    if min_price is not None or max_price is not None:
        price = ["v.product_id = p.id", "v.is_active", "pr.currency = (SELECT code FROM cur)"]
        if min_price is not None:
            price.append("pr.amount >= %(min_price)s")
            params["min_price"] = min_price
        if max_price is not None:
            price.append("pr.amount <= %(max_price)s")
            params["max_price"] = max_price
        clauses.append(_PRICE_EXISTS.format(conditions=" AND ".join(price)))
    if search:
        clauses.append(
            "(p.name ILIKE %(search)s OR p.description ILIKE %(search)s OR EXISTS"
            " (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id AND v.sku ILIKE %(search)s))"
        )
        params["search"] = _like(search)
    if in_stock is not None:
        clauses.append(_IN_STOCK if in_stock else f"NOT {_IN_STOCK}")
    return (" AND ".join(clauses) or "TRUE"), params


def _rows(sql: str, params: dict) -> list[dict]:
    """Run ``sql``: prepared from its fifth run on a connection, as every query is
    (``DATABASE_PREPARED_STATEMENTS``)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col.name for col in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def product_page(
    *,
    public: bool,
    currency: str | None,
    ordering: str,
    offset: int,
    limit: int,
    status: str | None = None,
    category_ids=None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    search: str | None = None,
    in_stock: bool | None = None,
) -> tuple[int, str, list[dict]]:
    """(total, currency, rows) for one page: the count, the currency and the page's card rows
    come from one statement. A page past the end has no rows but still its total."""
    where, params = _where(
        public=public,
        status=status,
        category_ids=category_ids,
        min_price=min_price,
        max_price=max_price,
        search=search,
        in_stock=in_stock,
    )
    filtered = category_ids is not None or min_price is not None or max_price is not None
    if filtered or search or in_stock is not None:
        total = _FILTERED_COUNT.format(where=where)  # count the matching products
    elif shown := Product.Status.ACTIVE if public else status:  # one status, as ``_where`` reads
        total = _STATUS_COUNT.format(status=_STATUS_LITERALS[shown])  # its trigger-kept count
    else:
        total = _ALL_COUNT
    sql = _PAGE_SQL.format(
        currency_cte=_CURRENCY_CTE,
        order=ORDER_SQL[ordering],
        where=where,
        cards=_CARD_COLUMNS,
        total=total,
        limit=int(limit),
        offset=int(offset),
    )
    rows = _rows(
        sql,
        {
            **params,
            "currency": currency,
            "fallback_currency": settings.DEFAULT_CURRENCY,
        },
    )
    total, code = rows[0]["total"], rows[0]["currency"]
    return total, code, [r for r in rows if r["id"] is not None]


def product_detail(
    *, public: bool, slug: str, currency: str | None, document_levels: list[str]
) -> dict | None:
    """The product page's row (card, detail columns and the documents the caller may see as
    JSON), or None."""
    where, params = _where(
        public=public, status=None, category_ids=None, min_price=None, max_price=None, search=None
    )
    sql = _DETAIL_SQL.format(
        currency_cte=_CURRENCY_CTE, where=where, cards=_CARD_COLUMNS, detail=_DETAIL_COLUMNS
    )
    rows = _rows(
        sql,
        {
            **params,
            "slug": slug,
            "currency": currency,
            "fallback_currency": settings.DEFAULT_CURRENCY,
            "document_levels": list(document_levels),
        },
    )
    return rows[0] if rows else None
