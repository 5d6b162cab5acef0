"""News writes: create, update, publish/unpublish, archive, the scheduled-publishing job and
the view counter. Markdown is rendered to sanitised HTML here, never in ``save()``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.activity import activity_record, snapshot
from apps.core.services import model_update, unique_slug

from ..markdown import render_markdown
from ..models import NewsArticle
from .common import normalize_tags

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

Status = NewsArticle.Status

NEWS_FIELDS = [
    "title",
    "summary",
    "content",
    "featured_image",
    "category",
    "tags",
    "status",
    "publish_at",
    "seo_title",
    "seo_description",
    "og_image",
]
SLUG_ATTEMPTS = 5


def news_validate_schedule(*, status: str, publish_at: datetime | None, now: datetime | None = None) -> None:
    """A scheduled article needs a publish_at in the future."""
    now = now or timezone.now()
    if status == Status.SCHEDULED:
        if publish_at is None:
            raise ValidationError({"publish_at": "A scheduled article needs publish_at."})
        if publish_at <= now:
            raise ValidationError(
                {
                    "publish_at": "publish_at must be in the future for a "
                    "scheduled article; publish it now instead."
                }
            )


def _apply_status_rules(article: NewsArticle, *, now) -> None:
    news_validate_schedule(status=article.status, publish_at=article.publish_at, now=now)
    if article.status == Status.PUBLISHED and article.published_at is None:
        article.published_at = now


def _clean_data(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in NEWS_FIELDS}
    if "tags" in data:
        data["tags"] = normalize_tags(tags=data["tags"])
    for key in ("summary", "content", "seo_title", "seo_description"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


def _save_with_unique_slug(article: NewsArticle) -> None:
    """Insert with a free slug; a concurrent insert of the same slug retries with the next."""
    for attempt in range(SLUG_ATTEMPTS):
        article.slug = unique_slug(model=NewsArticle, base=article.title, max_length=220)
        try:
            with transaction.atomic():
                article.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == SLUG_ATTEMPTS - 1 or not NewsArticle.objects.filter(slug=article.slug).exists():
                raise


@transaction.atomic
def news_create(*, data: dict, actor: AnyUser | None = None) -> NewsArticle:
    now = timezone.now()
    data = _clean_data(data)
    article = NewsArticle(**data)
    article.status = article.status or Status.DRAFT
    if actor is not None and actor.is_authenticated:
        article.author = actor
    _apply_status_rules(article, now=now)
    article.content_html = render_markdown(article.content)
    article.full_clean(exclude=["slug"], validate_unique=False)
    _save_with_unique_slug(article)
    activity_record(actor=actor, action="create", entity=article, after=snapshot(article))
    return article


@transaction.atomic
def news_update(*, article: NewsArticle, data: dict, actor: AnyUser | None = None) -> NewsArticle:
    """Partial update; the slug stays (links keep working) unless ``regenerate_slug``."""
    now = timezone.now()
    article = NewsArticle.objects.select_for_update().get(pk=article.pk)
    before = snapshot(article)
    data = _clean_data(data)
    status = data.get("status", article.status)
    publish_at = data.get("publish_at", article.publish_at)
    if {"status", "publish_at"} & data.keys():
        news_validate_schedule(status=status, publish_at=publish_at, now=now)
    if status == Status.PUBLISHED and article.published_at is None:
        data["published_at"] = now
    if "content" in data:
        data["content_html"] = render_markdown(data["content"])
    fields = [*NEWS_FIELDS, "published_at", "content_html"]
    article, updated = model_update(instance=article, fields=fields, data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=article, before=before, after=snapshot(article))
    return article


def _set_status(*, article: NewsArticle, status: str, action: str, actor) -> NewsArticle:
    with transaction.atomic():
        article = NewsArticle.objects.select_for_update().get(pk=article.pk)
        if article.status == status:
            return article
        before = snapshot(article)
        article.status = status
        fields = ["status", "updated_at"]
        if status == Status.PUBLISHED and article.published_at is None:
            article.published_at = timezone.now()
            fields.append("published_at")
        article.save(update_fields=fields)
        activity_record(actor=actor, action=action, entity=article, before=before, after=snapshot(article))
    return article


def news_publish(*, article: NewsArticle, actor: AnyUser | None = None) -> NewsArticle:
    """Publish now (published_at = now unless it was published before)."""
    return _set_status(article=article, status=Status.PUBLISHED, action="news.publish", actor=actor)


def news_unpublish(*, article: NewsArticle, actor: AnyUser | None = None) -> NewsArticle:
    """Back to draft: the public no longer sees it."""
    return _set_status(article=article, status=Status.DRAFT, action="news.unpublish", actor=actor)


def news_archive(*, article: NewsArticle, actor: AnyUser | None = None) -> NewsArticle:
    """DELETE /news/{slug}: articles are archived, never deleted."""
    return _set_status(article=article, status=Status.ARCHIVED, action="news.archive", actor=actor)


def news_publish_due(*, now: datetime | None = None) -> int:
    """Publish every scheduled article whose publish_at has passed, in one conditional
    UPDATE: two runs at once publish each article once, a second run finds nothing.
    published_at is the scheduled time."""
    now = now or timezone.now()
    return NewsArticle.objects.filter(status=Status.SCHEDULED, publish_at__lte=now).update(
        status=Status.PUBLISHED,
        published_at=Coalesce(F("published_at"), F("publish_at")),
        updated_at=now,
    )


def news_register_view(*, article: NewsArticle) -> NewsArticle:
    """Count one view atomically in the database (no lost updates under concurrency)."""
    NewsArticle.objects.filter(pk=article.pk).update(views_count=F("views_count") + 1)
    article.views_count += 1
    return article
