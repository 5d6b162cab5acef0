"""Catalog reads. Every list runs a fixed number of queries whatever its size."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from apps.core.roles import CONTENT, STAFF_ROLES, has_role
from apps.core.search import tsquery_text, weighted_vector_sql

from .models import Category, Document, Price, Product, ProductImage, Variant

CATALOG_MANAGERS = (CONTENT, "admin")


def can_manage_catalog(user) -> bool:
    return has_role(user, *CATALOG_MANAGERS)


def category_tree() -> list[dict]:
    """The whole category tree, nested, from one query."""
    nodes = {}
    roots = []
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


def category_with_descendants(identifier: str) -> list | None:
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


def _prices_in(currency: str):
    return Prefetch("prices", queryset=Price.objects.filter(currency=currency), to_attr="prices_in_currency")


def _min_price_subquery(currency: str):
    return Subquery(
        Price.objects.filter(variant__product=OuterRef("pk"), variant__is_active=True, currency=currency)
        .order_by("amount")
        .values("amount")[:1]
    )


def product_list(
    *,
    user,
    currency: str,
    status: str | None = None,
    category_ids=None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    search: str | None = None,
) -> QuerySet[Product]:
    qs = Product.objects.select_related("category")
    if can_manage_catalog(user) or has_role(user, *STAFF_ROLES):
        if status:
            qs = qs.filter(status=status)
    else:
        qs = qs.filter(status=Product.Status.ACTIVE)
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
    return qs.annotate(price_from=_min_price_subquery(currency)).prefetch_related(
        Prefetch(
            "variants",
            queryset=Variant.objects.filter(is_active=True)
            .order_by("position", "sku")
            .prefetch_related(_prices_in(currency)),
            to_attr="active_variants",
        ),
        Prefetch(
            "images",
            queryset=ProductImage.objects.select_related("media").order_by("position", "id"),
            to_attr="ordered_images",
        ),
    )


ORDERINGS = {
    "name": ("name",),
    "-name": ("-name",),
    "price": (Coalesce("price_from", Decimal("1e12")).asc(), "name"),
    "-price": (Coalesce("price_from", Decimal("-1")).desc(), "name"),
    "newest": ("-created_at",),
    "-newest": ("created_at",),
    "position": ("position", "name"),
    "-position": ("-position", "name"),
}


def visible_document_levels(user) -> list[str]:
    levels = [Document.AccessLevel.PUBLIC]
    if user and user.is_authenticated:
        levels.append(Document.AccessLevel.AUTHENTICATED)
        if has_role(user, *STAFF_ROLES):
            levels.append(Document.AccessLevel.PRIVATE)
    return levels


def product_detail(*, user, slug: str, currency: str) -> Product | None:
    product = (
        product_list(user=user, currency=currency)
        .filter(slug=slug)
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.filter(
                    access_level__in=visible_document_levels(user)
                ).select_related("file"),
                to_attr="visible_documents",
            ),
        )
        .first()
    )
    return product


def document_list(*, user) -> QuerySet[Document]:
    return Document.objects.filter(access_level__in=visible_document_levels(user)).select_related(
        "file", "category", "product"
    )


PRODUCT_VECTOR = weighted_vector_sql([("name", "A"), ("search_text", "B")], table="catalog_product")


def product_search(*, q: str, user, limit: int = 10) -> tuple[int, list[dict]]:
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
