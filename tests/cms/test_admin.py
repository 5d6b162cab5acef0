import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cms.models import MediaFile, NewsArticle
from apps.core.models import ActivityLog

from .factories import MediaFileFactory, NewsArticleFactory, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(client, make_user):
    user = make_user("admin", is_superuser=True)
    client.force_login(user)
    return client


def test_admin_pages_render(admin_web):
    article = NewsArticleFactory(content="# Hello")
    MediaFileFactory()
    for url in (
        "/admin/cms/newsarticle/",
        "/admin/cms/newsarticle/add/",
        f"/admin/cms/newsarticle/{article.pk}/change/",
        "/admin/cms/page/",
        "/admin/cms/page/add/",
        "/admin/cms/mediafile/",
        "/admin/cms/mediafile/add/",
        "/admin/cms/newsarticle/?status__exact=draft&category__exact=press_release",
    ):
        assert admin_web.get(url).status_code == 200, url
    change = admin_web.get(f"/admin/cms/newsarticle/{article.pk}/change/").content.decode()
    assert "<h1>Hello</h1>" in change
    assert "<img src=" in admin_web.get("/admin/cms/mediafile/").content.decode()


def test_admin_add_goes_through_the_service(admin_web):
    response = admin_web.post(
        "/admin/cms/newsarticle/add/",
        {
            "title": "Irrigation week",
            "summary": "",
            "content": "<script>x</script>**hi**",
            "category": "industry_news",
            "tags": '["irrigation"]',
            "status": "published",
            "seo_title": "",
            "seo_description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = NewsArticle.objects.get(title="Irrigation week")
    assert article.slug == "irrigation-week" and article.published_at is not None
    assert article.content_html == "<p><strong>hi</strong></p>"
    assert ActivityLog.objects.filter(entity_id=str(article.pk), action="create").count() == 1


def test_admin_publish_and_unpublish_actions(admin_web):
    article = NewsArticleFactory(status="draft", published_at=None)
    admin_web.post(
        "/admin/cms/newsarticle/", {"action": "publish_selected", "_selected_action": [article.pk]}
    )
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None
    admin_web.post(
        "/admin/cms/newsarticle/", {"action": "unpublish_selected", "_selected_action": [article.pk]}
    )
    article.refresh_from_db()
    assert article.status == "draft"
    assert (
        ActivityLog.objects.filter(
            entity_id=str(article.pk), action__in=["news.publish", "news.unpublish"]
        ).count()
        == 2
    )


def test_admin_media_upload_is_validated(admin_web):
    bad = admin_web.post(
        "/admin/cms/mediafile/add/",
        {
            "upload": SimpleUploadedFile("x.png", b"MZ" + b"\0" * 50),
            "tags": "[]",
            "is_public": "on",
        },
    )
    assert bad.status_code == 200 and MediaFile.objects.count() == 0
    good = admin_web.post(
        "/admin/cms/mediafile/add/",
        {
            "upload": SimpleUploadedFile("x.png", png_bytes(3, 2)),
            "tags": "[]",
            "is_public": "on",
        },
    )
    assert good.status_code == 302
    media = MediaFile.objects.get()
    assert (media.width, media.height, media.mime_type) == (3, 2, "image/png")
