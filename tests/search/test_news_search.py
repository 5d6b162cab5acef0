import pytest
from django.utils import timezone

from tests.cms.factories import NewsArticleFactory

pytestmark = pytest.mark.django_db


def _published(**kwargs):
    return NewsArticleFactory(status="published", published_at=timezone.now(), **kwargs)


def _news(api_client, q):
    response = api_client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()["groups"]["news"]


def test_published_news_is_found_drafts_are_not(api_client):
    _published(title="Irrigation season opens", summary="Pumps in stock", content="Details")
    NewsArticleFactory(title="Irrigation draft", status="draft", published_at=None)
    group = _news(api_client, "irrigation")
    assert group["total"] == 1
    hit = group["results"][0]
    assert hit["type"] == "news" and hit["title"] == "Irrigation season opens"
    assert hit["url"] == f"/api/v1/news/{hit['slug']}"


def test_scheduled_news_in_the_future_is_not_found(api_client):
    NewsArticleFactory(
        title="Future tractor launch",
        status="published",
        published_at=timezone.now() + timezone.timedelta(days=2),
    )
    assert _news(api_client, "tractor")["total"] == 0


@pytest.mark.postgres
def test_a_title_match_ranks_above_a_content_match_and_prefixes_match(api_client):
    _published(title="Generators for clinics", summary="", content="Backup power for irrigation pumps")
    _published(title="Irrigation guide", summary="", content="How to plan")
    results = _news(api_client, "irrig")["results"]
    assert [r["title"] for r in results] == ["Irrigation guide", "Generators for clinics"]
