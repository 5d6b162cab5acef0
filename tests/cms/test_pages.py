import pytest
from django.utils import timezone

from apps.cms import services
from tests.helpers import assert_error

from .factories import PageFactory

pytestmark = pytest.mark.django_db


def test_public_sees_published_pages_only(api_client, auth_client):
    PageFactory(slug="about", title="About")
    PageFactory(slug="secret", is_published=False)
    response = api_client.get("/api/v1/pages/about")
    assert response.status_code == 200 and response.json()["title"] == "About"
    assert_error(api_client.get("/api/v1/pages/secret/"), 404)
    assert_error(auth_client("customer").get("/api/v1/pages/secret"), 404)
    assert auth_client("content").get("/api/v1/pages/secret").status_code == 200


def test_page_services_render_sanitised_markdown():
    page = services.page_create(data={"title": "Terms of sale", "content": "## 1\n\n<script>x</script>"})
    assert page.slug == "terms-of-sale"
    assert page.content_html.startswith("<h2>1</h2>") and "script" not in page.content_html
    page = services.page_update(page=page, data={"content": "<b onclick='x()'>b</b>"})
    assert page.content_html == "<p><b>b</b></p>"


def test_demo_seed_is_idempotent(make_user):
    from apps.cms import demo
    from apps.cms.models import NewsArticle, Page

    make_user("content", email="content@foundry.local")
    demo.seed()
    demo.seed()
    assert NewsArticle.objects.count() == 7
    assert set(NewsArticle.objects.values_list("status", flat=True)) == {
        "published",
        "scheduled",
        "draft",
        "archived",
    }
    archived = NewsArticle.objects.get(status="archived")  # published first, then archived
    assert archived.published_at is not None and archived.published_at < timezone.now()
    assert set(Page.objects.values_list("slug", flat=True)) == {"about", "terms"}
