"""Catalog reads. Every list runs a fixed number of queries whatever its size."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from apps.core.roles import CONTENT, STAFF_ROLES, has_role
from apps.core.search import tsquery_text, weighted_vector_sql
from apps.core.selectors import site_settings_get

from . import pg_queries
from .models import Category, Document, Price, Product, ProductImage, Variant

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser
    from apps.cms.api import MediaFile

CATALOG_MANAGERS = (CONTENT, "admin")


def can_manage_catalog(*, user: AnyUser) -> bool:
    return has_role(user, *CATALOG_MANAGERS)


def category_tree() -> list[dict]:
    """The whole category tree, nested, from one query."""
    nodes: dict[object, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    categories = list(
        Category.objects.order_by("position", "name").values(
            "id", "parent_id", "name", "slug", "description", "position"
        )
    )
    for c in categories:
        nodes[c["id"]] = {**c, "children": []}
    for c in categories:
        node = nodes[c["id"]]
        parent = nodes.get(c["parent_id"])
        (parent["children"] if parent else roots).append(node)
    for node in nodes.values():
        node.pop("parent_id")
    return roots


def category_with_descendants(*, identifier: str) -> list | None:
    """Ids of the category (by slug or id) and every category below it; None if unknown."""
    rows = list(Category.objects.values_list("id", "parent_id", "slug"))
    start = next((cid for cid, _, slug in rows if slug == identifier or str(cid) == identifier), None)
    if start is None:
        return None
    children: dict = {}
    for cid, parent_id, _ in rows:
        children.setdefault(parent_id, []).append(cid)
    found, stack = [], [start]
    while stack:
        cid = stack.pop()
        found.append(cid)
        stack.extend(children.get(cid, ()))
    return found


def _min_price_subquery(currency: str):
    return Subquery(
        Price.objects.filter(variant__product=OuterRef("pk"), variant__is_active=True, currency=currency)
        .order_by("amount")
        .values("amount")[:1]
    )


def product_list(
    *,
    user: AnyUser,
    currency: str,
    status: str | None = None,
    category_ids: list | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    search: str | None = None,
    in_stock: bool | None = None,
) -> QuerySet[Product]:
    """The filtered products (not yet ordered; see ``product_order``). Turn a page of their value
    rows (``CARD_FIELDS``) into output with ``_cards_from_rows``."""
    qs = Product.objects.all()
    if not has_role(user, *STAFF_ROLES):
        qs = qs.filter(status=Product.Status.ACTIVE)
    elif status:
        qs = qs.filter(status=status)
    if category_ids is not None:
        qs = qs.filter(category_id__in=category_ids)
    if min_price is not None or max_price is not None:
        price_filter = Q(variant__product=OuterRef("pk"), variant__is_active=True, currency=currency)
        if min_price is not None:
            price_filter &= Q(amount__gte=min_price)
        if max_price is not None:
            price_filter &= Q(amount__lte=max_price)
        qs = qs.filter(Exists(Price.objects.filter(price_filter)))
    if search:
        sku_match = Variant.objects.filter(product=OuterRef("pk"), sku__icontains=search)
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search) | Exists(sku_match))
    if in_stock is not None:
        # An active variant with stock available in an active warehouse (the inventory's
        # stock levels, reached through their foreign key: the catalog imports nothing of it).
        stocked = Variant.objects.filter(
            product=OuterRef("pk"),
            is_active=True,
            stock_levels__warehouse__is_active=True,
            stock_levels__on_hand__gt=F("stock_levels__reserved"),
        )
        qs = qs.filter(Exists(stocked) if in_stock else ~Exists(stocked))
    return qs


def product_order(*, qs: QuerySet[Product], ordering: str, currency: str) -> QuerySet[Product]:
    """``ordering`` is a key of ORDERINGS; the price subquery is added only when sorting by it."""
    if ordering in ("price", "-price"):
        qs = qs.annotate(price_from=_min_price_subquery(currency))
    return qs.order_by(*ORDERINGS[ordering])


# pg_queries.ORDER_SQL is the SQL twin of this table: same keys, same keys of order, ``id``
# breaking ties so that pages never overlap.
ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "id"),
    "price": (Coalesce("price_from", Decimal("1e12")).asc(), "name", "id"),
    "-price": (Coalesce("price_from", Decimal("-1")).desc(), "name", "id"),
    "newest": ("-created_at", "id"),
    "-newest": ("created_at", "id"),
    "position": ("position", "name", "id"),
    "-position": ("-position", "name", "id"),
}

CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "status",
    "position",
    "created_at",
    "updated_at",
    "category_id",
    "category__name",
    "category__slug",
)
DETAIL_FIELDS = (
    "description",
    "specifications",
    "features",
    "applications",
    "seo_title",
    "seo_description",
    "og_image__file",
)


def _iso(value) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(amount) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class ProductPage:
    total: int
    currency: str
    cards: list[dict]


def product_page(
    *,
    user: AnyUser,
    currency: str | None,
    ordering: str = "position",
    offset: int = 0,
    limit: int = 20,
    status: str | None = None,
    category_ids: list | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    search: str | None = None,
    in_stock: bool | None = None,
) -> ProductPage:
    """One page of the product list as output dicts, with the total of matching products.
    ``currency`` None means the site's default. On PostgreSQL one statement (pg_queries);
    elsewhere the ORM (``product_page_portable``). Neither depends on the page size."""
    filters: dict[str, Any] = {
        "status": status,
        "category_ids": category_ids,
        "min_price": min_price,
        "max_price": max_price,
        "search": search,
        "in_stock": in_stock,
    }
    if connection.vendor == "postgresql":
        total, currency, rows = pg_queries.product_page(
            public=not has_role(user, *STAFF_ROLES),
            currency=currency,
            ordering=ordering,
            offset=offset,
            limit=limit,
            **filters,
        )
        return ProductPage(total, currency, _cards(rows, currency=currency, detail=False))
    return product_page_portable(
        user=user, currency=currency, ordering=ordering, offset=offset, limit=limit, **filters
    )


def product_page_portable(
    *, user: AnyUser, currency: str | None, ordering: str, offset: int, limit: int, **filters: Any
) -> ProductPage:
    """product_page through the ORM, on any database: the count, the page's rows, their active
    variants with prices, their images (four queries, whatever the page size)."""
    currency = currency or site_settings_get().default_currency
    base = product_list(user=user, currency=currency, **filters)
    total = base.count()
    rows = (
        list(
            product_order(qs=base, ordering=ordering, currency=currency).values(*CARD_FIELDS)[
                offset : offset + limit
            ]
        )
        if limit
        else []
    )
    return ProductPage(total, currency, _cards_from_rows(rows=rows, currency=currency))


def _cards(rows: list[dict], *, currency: str, detail: bool) -> list[dict]:
    from django.core.files.storage import storages

    storage = storages["default"]
    return [_card(row, currency=currency, detail=detail, storage=storage) for row in rows]


def _card(n: dict, *, currency: str, detail: bool, storage) -> dict:
    """The output of one product from its normalised row ``n`` (both query paths build one):
    amounts are strings with 2 decimals; variants carry ``amount``/``compare_at`` in ``currency``."""
    images = [
        {
            "id": str(i["id"]),
            "url": storage.url(i["file"]) if i["file"] else None,
            "alt_text": i["alt_text"] or i["media_alt_text"],
            "width": i["width"],
            "height": i["height"],
        }
        for i in n["images"]
    ]
    amounts = [v["amount"] for v in n["variants"] if v["amount"] is not None]  # active variants
    price_from = min(amounts, key=Decimal) if amounts else None
    card = {
        "id": str(n["id"]),
        "name": n["name"],
        "slug": n["slug"],
        "status": n["status"],
        "category": None
        if n["category_id"] is None
        else {"id": str(n["category_id"]), "name": n["category_name"], "slug": n["category_slug"]},
        "price_from": None
        if price_from is None
        else {"amount": price_from, "currency": currency, "compare_at_amount": None},
        "currency": currency,
        "variants": [
            {
                "sku": v["sku"],
                "name": v["name"],
                "attributes": v["attributes"],
                "weight": v["weight"],
                "price": None
                if v["amount"] is None
                else {"amount": v["amount"], "currency": currency, "compare_at_amount": v["compare_at"]},
                "available": v["amount"] is not None,
            }
            for v in n["variants"]
        ],
        "image": images[0] if images else None,
        "position": n["position"],
        "created_at": _iso(n["created_at"]),
        "updated_at": _iso(n["updated_at"]),
    }
    if detail:
        card.update(
            {
                # Django's PostgreSQL backend hands top-level jsonb columns over as text.
                "description": n["description"],
                "specifications": _json(n["specifications"]),
                "features": _json(n["features"]),
                "applications": _json(n["applications"]),
                "images": images,
                "seo": {
                    "title": n["seo_title"] or n["name"],
                    "description": n["seo_description"],
                    "og_image": storage.url(n["og_image__file"]) if n["og_image__file"] else None,
                },
            }
        )
    return card


def _cards_from_rows(*, rows: list[dict], currency: str, detail: bool = False) -> list[dict]:
    """Portable path: value rows plus two queries (active variants with their prices in
    ``currency``, images)."""
    from django.core.files.storage import storages

    ids = [r["id"] for r in rows]
    if not ids:
        return []
    variants = (
        Variant.objects.filter(product_id__in=ids, is_active=True)
        .annotate(price=FilteredRelation("prices", condition=Q(prices__currency=currency)))
        .order_by("position", "sku")
        .values(
            "product_id",
            "sku",
            "name",
            "attributes",
            "weight",
            amount=F("price__amount"),
            compare_at=F("price__compare_at_amount"),
        )
    )
    extra: dict = {pid: {"variants": [], "images": []} for pid in ids}
    for v in variants:
        extra[v["product_id"]]["variants"].append(
            {
                "sku": v["sku"],
                "name": v["name"],
                "attributes": v["attributes"],
                "weight": None if v["weight"] is None else f"{v['weight']:.3f}",
                "amount": _money(v["amount"]),
                "compare_at": _money(v["compare_at"]),
            }
        )
    for img in (
        ProductImage.objects.filter(product_id__in=ids)
        .order_by("product_id", "position", "id")
        .values(
            "product_id",
            "media_id",
            "alt_text",
            "media__file",
            "media__alt_text",
            "media__width",
            "media__height",
        )
    ):
        extra[img["product_id"]]["images"].append(
            {
                "id": img["media_id"],
                "file": img["media__file"],
                "alt_text": img["alt_text"],
                "media_alt_text": img["media__alt_text"],
                "width": img["media__width"],
                "height": img["media__height"],
            }
        )
    storage = storages["default"]
    return [
        _card(
            {
                **r,
                **extra[r["id"]],
                "category_name": r["category__name"],
                "category_slug": r["category__slug"],
            },
            currency=currency,
            detail=detail,
            storage=storage,
        )
        for r in rows
    ]


def visible_document_levels(*, user: AnyUser) -> list[str]:
    levels: list[str] = [Document.AccessLevel.PUBLIC]
    if user and user.is_authenticated:
        levels.append(Document.AccessLevel.AUTHENTICATED)
        if has_role(user, *STAFF_ROLES):
            levels.append(Document.AccessLevel.PRIVATE)
    return levels


def _document(d: Mapping[str, Any]) -> dict:
    """A document as the product page lists it (the shape of DocumentSerializer)."""
    return {
        "id": str(d["id"]),
        "title": d["title"],
        "description": d["description"],
        "kind": d["kind"],
        "file": str(d["file_id"]),
        "file_name": d["file_name"],
        "size": d["size"],
        "mime_type": d["mime_type"],
        "category": None if d["category_id"] is None else str(d["category_id"]),
        "product": None if d["product_id"] is None else str(d["product_id"]),
        "access_level": d["access_level"],
        "download_count": d["download_count"],
        "download_url": f"/api/v1/documents/{d['id']}/download",
        # From PostgreSQL's JSON as text (which drops trailing zeros of the fraction).
        "created_at": _iso(
            datetime.fromisoformat(d["created_at"]) if isinstance(d["created_at"], str) else d["created_at"]
        ),
    }


def product_detail(*, user: AnyUser, slug: str, currency: str | None) -> dict | None:
    """The product page as a dict (with the documents the caller may see), or None.
    ``currency`` None means the site's default. On PostgreSQL one statement (pg_queries);
    elsewhere the ORM (``product_detail_portable``)."""
    if connection.vendor == "postgresql":
        row = pg_queries.product_detail(
            public=not has_role(user, *STAFF_ROLES),
            slug=slug,
            currency=currency,
            document_levels=visible_document_levels(user=user),
        )
        if row is None:
            return None
        [card] = _cards([row], currency=row["currency"], detail=True)
        card["documents"] = [_document(d) for d in row["documents"]]
        return card
    return product_detail_portable(user=user, slug=slug, currency=currency)


def product_detail_portable(*, user: AnyUser, slug: str, currency: str | None) -> dict | None:
    """product_detail through the ORM, on any database: the product's row, its active variants
    with their prices, its images, its documents (four queries)."""
    levels = visible_document_levels(user=user)
    currency = currency or site_settings_get().default_currency
    row = (
        product_list(user=user, currency=currency)
        .filter(slug=slug)
        .values(*CARD_FIELDS, *DETAIL_FIELDS)
        .first()
    )
    if row is None:
        return None
    product_id = row["id"]
    [card] = _cards_from_rows(rows=[row], currency=currency, detail=True)
    card["documents"] = [
        _document(d)
        for d in Document.objects.filter(product_id=product_id, access_level__in=levels)
        .order_by("title", "id")
        .values(
            "id",
            "title",
            "description",
            "kind",
            "access_level",
            "download_count",
            "created_at",
            "file_id",
            "category_id",
            "product_id",
            file_name=F("file__file_name"),
            size=F("file__size"),
            mime_type=F("file__mime_type"),
        )
    ]
    return card


def documents_keeping_private(*, media: MediaFile) -> list[str]:
    """The documents that are not public whose file ``media`` is: they keep it private (the CMS
    asks through ``apps.cms.api.media_restriction_register``)."""
    titles = (
        Document.objects.filter(file=media)
        .exclude(access_level=Document.AccessLevel.PUBLIC)
        .order_by("title")
        .values_list("title", flat=True)
    )
    return [f"document '{title}'" for title in titles]


def document_list(*, user: AnyUser) -> QuerySet[Document]:
    return Document.objects.filter(access_level__in=visible_document_levels(user=user)).select_related(
        "file", "category", "product"
    )


PRODUCT_VECTOR = weighted_vector_sql([("name", "A"), ("search_text", "B")], table="catalog_product")


def product_search(*, q: str, user: AnyUser, limit: int = 10) -> tuple[int, list[dict]]:
    """Products matching ``q``, most relevant first: (total, top ``limit`` as dicts).
    PostgreSQL: the GIN-indexed weighted tsvector (name above description/SKU/specs), prefix
    matching. Elsewhere: substring matching, name matches first."""
    qs = Product.objects.all()
    if not has_role(user, *STAFF_ROLES):
        qs = qs.filter(status=Product.Status.ACTIVE)
    if connection.vendor == "postgresql":
        query = tsquery_text(q)
        if query is None:
            return 0, []
        # The SQL is a constant expression (it must equal the indexed one); input is bound.
        matches = RawSQL(  # noqa: S611
            f"({PRODUCT_VECTOR}) @@ to_tsquery('simple', %s)",
            [query],
            output_field=BooleanField(),
        )
        rank = RawSQL(  # noqa: S611
            f"ts_rank({PRODUCT_VECTOR}, to_tsquery('simple', %s))",
            [query],
            output_field=FloatField(),
        )
        qs = qs.filter(matches).annotate(rank=rank).order_by("-rank", "name")
    else:
        words = q.split()
        if not words:
            return 0, []
        for word in words:
            qs = qs.filter(Q(name__icontains=word) | Q(search_text__icontains=word))
        qs = qs.annotate(rank=Value(0.0, output_field=FloatField())).order_by("name")
        name_hits = [p for p in qs if all(w.lower() in p.name.lower() for w in words)]
        rest = [p for p in qs if p not in name_hits]
        ordered = name_hits + rest
        return len(ordered), [_search_hit(p) for p in ordered[:limit]]
    total = qs.count()
    return total, [_search_hit(p) for p in qs.select_related("category")[:limit]]


def _search_hit(p: Product) -> dict:
    return {
        "id": str(p.id),
        "type": "product",
        "title": p.name,
        "slug": p.slug,
        "summary": (p.description or "")[:200],
        "url": f"/api/v1/products/{p.slug}",
        "rank": round(float(getattr(p, "rank", 0) or 0), 4),
    }
