"""Demo content: news articles (published, scheduled, draft, and one archived: published, then
archived through the service as the DELETE endpoint does) and the about/terms pages, from
fixtures/demo_cms.json. Idempotent: records are matched by title / slug."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import NewsArticle, Page
from .services import news_archive, news_create, page_create


def seed(*, stdout=None) -> None:
    data = json.loads((settings.BASE_DIR / "fixtures" / "demo_cms.json").read_text())
    from apps.accounts.api import User

    author = User.objects.filter(email="content@foundry.local").first()
    now = timezone.now()
    articles = 0
    for spec in data["news"]:
        if NewsArticle.objects.filter(title=spec["title"]).exists():
            continue
        archived = spec["status"] == NewsArticle.Status.ARCHIVED  # published first, then archived
        fields = {k: spec[k] for k in ("title", "summary", "category", "tags", "status")}
        fields["content"] = "\n".join(spec["content"])
        if archived:
            fields["status"] = NewsArticle.Status.PUBLISHED
        if spec["status"] == NewsArticle.Status.SCHEDULED:
            fields["publish_at"] = now + timedelta(days=spec.get("publish_in_days", 7))
        article = news_create(data=fields, actor=author)
        if fields["status"] == NewsArticle.Status.PUBLISHED and spec.get("published_days_ago"):
            NewsArticle.objects.filter(pk=article.pk).update(
                published_at=now - timedelta(days=spec["published_days_ago"]),
                views_count=spec.get("views_count", 0),
            )
        if archived:
            news_archive(article=article, actor=author)
        articles += 1
    pages = 0
    for spec in data["pages"]:
        if Page.objects.filter(slug=spec["slug"]).exists():
            continue
        page_create(
            data={
                "slug": spec["slug"],
                "title": spec["title"],
                "content": "\n".join(spec["content"]),
                "is_published": True,
                "seo_title": spec.get("seo_title", ""),
                "seo_description": spec.get("seo_description", ""),
            }
        )
        pages += 1
    if stdout:
        stdout.write(f"cms: {articles} news articles, {pages} pages created")
