from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cms import services
from apps.cms.models import NewsArticle
from apps.cms.tasks import publish_scheduled_articles
from apps.core.models import ActivityLog
from tests.helpers import assert_error

from .factories import NewsArticleFactory

pytestmark = pytest.mark.django_db
S = NewsArticle.Status


@pytest.fixture
def articles():
    now = timezone.now()
    return {
        "published": NewsArticleFactory(title="Published", slug="published"),
        "draft": NewsArticleFactory(title="Draft", slug="draft", status=S.DRAFT, published_at=None),
        "archived": NewsArticleFactory(title="Archived", slug="archived", status=S.ARCHIVED),
        "scheduled": NewsArticleFactory(
            title="Scheduled",
            slug="scheduled",
            status=S.SCHEDULED,
            published_at=None,
            publish_at=now + timedelta(days=1),
        ),
        "future": NewsArticleFactory(title="Future", slug="future", published_at=now + timedelta(days=1)),
    }


def _slugs(response):
    return {a["slug"] for a in response.json()["results"]}


def test_public_list_shows_only_published_news_whose_time_has_come(api_client, articles):
    response = api_client.get("/api/v1/news")
    assert response.status_code == 200
    assert _slugs(response) == {"published"}
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("slug", ["draft", "archived", "scheduled", "future"])
def test_public_detail_of_unpublished_news_is_404(api_client, articles, slug):
    assert_error(api_client.get(f"/api/v1/news/{slug}"), 404)


def test_customer_sees_what_the_public_sees(auth_client, articles):
    assert _slugs(auth_client("customer").get("/api/v1/news/")) == {"published"}
    assert auth_client("customer").get("/api/v1/news/draft").status_code == 404


@pytest.mark.parametrize("role", ["content", "admin"])
def test_content_staff_see_all_and_filter_by_status(auth_client, articles, role):
    client = auth_client(role)
    assert _slugs(client.get("/api/v1/news")) == set(articles)
    assert _slugs(client.get("/api/v1/news?status=draft")) == {"draft"}
    assert client.get("/api/v1/news/draft").status_code == 200


def test_detail_counts_a_view_atomically(api_client, articles):
    first = api_client.get("/api/v1/news/published").json()
    second = api_client.get("/api/v1/news/published/").json()
    assert second["views_count"] == first["views_count"] + 1
    articles["published"].refresh_from_db()
    assert articles["published"].views_count == 2
    assert "<h2>Heading</h2>" in first["content_html"]


def test_filters_category_tag_search_ordering(api_client):
    NewsArticleFactory(
        slug="a", title="Irrigation in Kano", tags=["irrigation", "nigeria"], category="industry_news"
    )
    NewsArticleFactory(slug="b", title="Generators", tags=["irrigation systems"], category="press_release")
    NewsArticleFactory(slug="c", title="Tractor day", tags=["tractors"], category="press_release")
    assert _slugs(api_client.get("/api/v1/news?category=press_release")) == {"b", "c"}
    # Exact tag match: "irrigation" does not match "irrigation systems".
    assert _slugs(api_client.get("/api/v1/news?tag=irrigation")) == {"a"}
    assert _slugs(api_client.get("/api/v1/news?tag=Irrigation%20Systems")) == {"b"}
    assert _slugs(api_client.get("/api/v1/news?search=kano")) == {"a"}
    titles = [a["title"] for a in api_client.get("/api/v1/news?ordering=title").json()["results"]]
    assert titles == sorted(titles)
    assert_error(api_client.get("/api/v1/news?category=gossip"), 400, kind="validation_error")


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_list_query_count_does_not_grow_with_page_size(api_client, page_size):
    from .factories import MediaFileFactory

    image = MediaFileFactory()
    NewsArticleFactory.create_batch(100, featured_image=image)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.get(f"/api/v1/news?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]


def test_staff_list_query_count_is_constant(auth_client):
    client = auth_client("content")
    NewsArticleFactory.create_batch(30)
    client.get("/api/v1/news")  # warm the authentication cache
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/news?page_size={size}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- writes --------------------------------------------------------------------------------


def test_slugs_are_unique_under_collision(auth_client):
    client = auth_client("content")
    slugs = [
        client.post(
            "/api/v1/news", {"title": "Big Harvest!", "category": "company_update"}, format="json"
        ).json()["slug"]
        for _ in range(3)
    ]
    assert slugs == ["big-harvest", "big-harvest-2", "big-harvest-3"]


def test_slug_service_skips_taken_suffixes():
    NewsArticleFactory(title="X", slug="tractor-x")
    NewsArticleFactory(title="X", slug="tractor-x-2")
    NewsArticleFactory(title="X", slug="tractor-x-something")
    article = services.news_create(data={"title": "Tractor X", "category": "press_release"})
    assert article.slug == "tractor-x-3"


def test_create_renders_sanitised_html_and_logs_activity(auth_client):
    client = auth_client("content")
    response = client.post(
        "/api/v1/news",
        {
            "title": "Launch",
            "category": "press_release",
            "tags": [" Generators ", "generators"],
            "content": "# Hi\n\n<script>alert(1)</script>[x](javascript:alert(1))",
            "status": "published",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "<h1>Hi</h1>" in body["content_html"]
    assert "script" not in body["content_html"] and "javascript" not in body["content_html"]
    assert body["published_at"] is not None
    assert body["tags"] == ["generators"]
    assert body["author"]["id"] == str(client.user.id)
    log = ActivityLog.objects.get(entity_id=body["id"], action="create")
    assert log.actor == client.user


def test_scheduled_needs_future_publish_at(auth_client):
    client = auth_client("content")
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert_error(
        client.post(
            "/api/v1/news",
            {"title": "T", "category": "press_release", "status": "scheduled", "publish_at": past},
            format="json",
        ),
        400,
        kind="validation_error",
        attr="publish_at",
    )
    assert_error(
        client.post(
            "/api/v1/news", {"title": "T", "category": "press_release", "status": "scheduled"}, format="json"
        ),
        400,
        kind="validation_error",
        attr="publish_at",
    )
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    response = client.post(
        "/api/v1/news",
        {"title": "T", "category": "press_release", "status": "scheduled", "publish_at": future},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["published_at"] is None


def test_patch_updates_content_and_publishing_keeps_first_published_at(auth_client):
    client = auth_client("content")
    article = NewsArticleFactory(status=S.DRAFT, published_at=None)
    response = client.patch(
        f"/api/v1/news/{article.slug}", {"content": "**bold**", "status": "published"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert "<strong>bold</strong>" in response.json()["content_html"]
    first = response.json()["published_at"]
    client.patch(f"/api/v1/news/{article.slug}", {"status": "draft"}, format="json")
    again = client.patch(f"/api/v1/news/{article.slug}", {"status": "published"}, format="json")
    assert again.json()["published_at"] == first
    assert ActivityLog.objects.filter(entity_id=str(article.pk), action="update").count() == 3


def test_delete_archives(auth_client, api_client):
    client = auth_client("content")
    article = NewsArticleFactory()
    assert client.delete(f"/api/v1/news/{article.slug}").status_code == 204
    article.refresh_from_db()
    assert article.status == S.ARCHIVED
    assert api_client.get(f"/api/v1/news/{article.slug}").status_code == 404
    assert ActivityLog.objects.filter(entity_id=str(article.pk), action="news.archive").exists()


def test_write_permissions(api_client, auth_client):
    article = NewsArticleFactory()
    body = {"title": "T", "category": "press_release"}
    assert_error(api_client.post("/api/v1/news", body, format="json"), 401)
    assert_error(api_client.patch(f"/api/v1/news/{article.slug}", body, format="json"), 401)
    assert_error(api_client.delete(f"/api/v1/news/{article.slug}"), 401)
    for role in ("customer", "sales"):
        client = auth_client(role)
        assert_error(client.post("/api/v1/news", body, format="json"), 403)
        assert_error(client.delete(f"/api/v1/news/{article.slug}"), 403)


def test_unknown_category_and_bad_status_are_400(auth_client):
    client = auth_client("content")
    body = client.post("/api/v1/news", {"title": "T", "category": "nope", "status": "live"}, format="json")
    assert_error(body, 400, kind="validation_error", attr="category")


# --- scheduled publishing --------------------------------------------------------------------


def test_publish_job_publishes_due_articles_once_and_leaves_future_ones():
    now = timezone.now()
    due = NewsArticleFactory(status=S.SCHEDULED, published_at=None, publish_at=now + timedelta(minutes=5))
    later = NewsArticleFactory(status=S.SCHEDULED, published_at=None, publish_at=now + timedelta(days=2))
    draft = NewsArticleFactory(status=S.DRAFT, published_at=None)
    NewsArticle.objects.filter(pk=due.pk).update(publish_at=now - timedelta(minutes=1))

    assert publish_scheduled_articles.delay().get() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    draft.refresh_from_db()
    assert due.status == S.PUBLISHED and due.published_at == due.publish_at
    assert later.status == S.SCHEDULED and later.published_at is None
    assert draft.status == S.DRAFT
    updated_at = due.updated_at

    assert publish_scheduled_articles() == 0
    due.refresh_from_db()
    assert due.updated_at == updated_at

    assert services.news_publish_due(now=now + timedelta(days=3)) == 1
    later.refresh_from_db()
    assert later.status == S.PUBLISHED


def test_published_by_job_appears_to_the_public(api_client):
    article = NewsArticleFactory(
        status=S.SCHEDULED, published_at=None, publish_at=timezone.now() + timedelta(minutes=1)
    )
    assert api_client.get(f"/api/v1/news/{article.slug}").status_code == 404
    services.news_publish_due(now=timezone.now() + timedelta(minutes=2))
    NewsArticle.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert api_client.get(f"/api/v1/news/{article.slug}").status_code == 200
