"""CMS reads: querysets with their joins applied and the visibility rules of the public."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.core.roles import ADMIN, CONTENT, has_role
from apps.core.search import text_search, weighted_vector_sql

from .models import MediaFile, NewsArticle, Page

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

CMS_MANAGERS = (CONTENT, ADMIN)


def is_cms_manager(*, user: AnyUser | None) -> bool:
    return has_role(user, *CMS_MANAGERS)


def _news_base() -> QuerySet[NewsArticle]:
    return NewsArticle.objects.select_related("featured_image", "og_image", "author")


def news_published(*, now: datetime | None = None) -> QuerySet[NewsArticle]:
    now = now or timezone.now()
    return _news_base().filter(status=NewsArticle.Status.PUBLISHED, published_at__lte=now)


def news_list(*, user: AnyUser | None) -> QuerySet[NewsArticle]:
    """The public sees published articles whose published_at has come; content managers see
    every article."""
    if is_cms_manager(user=user):
        return _news_base()
    return news_published()


def news_get(*, user: AnyUser | None, slug: str) -> NewsArticle | None:
    return news_list(user=user).filter(slug=slug).first()


def with_tag(*, queryset: QuerySet, tag: str, field: str = "tags") -> QuerySet:
    """Rows whose JSON list ``field`` contains exactly ``tag`` (tags are stored normalised).
    PostgreSQL: jsonb containment (GIN-indexable); SQLite: json_each, an exact match too."""
    tag = " ".join(tag.split()).lower()
    if connection.vendor == "postgresql":
        return queryset.filter(**{f"{field}__contains": [tag]})
    table = queryset.model._meta.db_table
    qn = connection.ops.quote_name
    pk = queryset.model._meta.pk.column
    # Identifiers come from the model's metadata; the tag is a bound parameter.
    sql = (
        f"SELECT t.{qn(pk)} FROM {qn(table)} t, json_each(t.{qn(field)}) j "  # noqa: S608
        "WHERE j.type = 'text' AND j.value = %s"
    )
    return queryset.filter(pk__in=RawSQL(sql, [tag]))  # noqa: S611


NEWS_VECTOR = weighted_vector_sql(
    [("title", "A"), ("summary", "B"), ("content", "C")], table="cms_newsarticle"
)


def news_search(*, q: str, user: AnyUser | None, limit: int = 10) -> tuple[int, list[dict]]:
    """Published news matching ``q``, most relevant first: (total, top ``limit``).
    PostgreSQL: the GIN-indexed weighted tsvector (title, then summary, then content) with
    prefix matching; elsewhere every word as a substring, newest first."""
    qs = text_search(
        news_published(),
        q=q,
        vector_sql=NEWS_VECTOR,
        fallback_fields=["title", "summary", "content"],
        newest=["-published_at", "-created_at"],
    )
    if qs is None:
        return 0, []
    return qs.count(), [
        {
            "id": str(a.id),
            "type": "news",
            "title": a.title,
            "slug": a.slug,
            "summary": (a.summary or "")[:200],
            "url": f"/api/v1/news/{a.slug}",
            "rank": round(float(a.rank or 0), 4),
        }
        for a in qs[:limit]
    ]


def page_get(*, user: AnyUser | None, slug: str) -> Page | None:
    qs = Page.objects.select_related("og_image").filter(slug=slug)
    if not is_cms_manager(user=user):
        qs = qs.filter(is_published=True)
    return qs.first()


def media_list() -> QuerySet[MediaFile]:
    return MediaFile.objects.select_related("uploaded_by")


def media_get(*, pk: UUID | str) -> MediaFile | None:
    return media_list().filter(pk=pk).first()


def media_by_name(*, name: str) -> MediaFile | None:
    """The ready media file stored under ``name`` (the media view serves nothing else)."""
    return MediaFile.objects.filter(file=name, status=MediaFile.Status.READY).first()
