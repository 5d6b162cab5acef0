"""The request context (apps.core.context): set for a request, cleared after it, empty
outside one; the activity log reads the client's IP and user agent from it."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from apps.cms.models import NewsArticle
from apps.core.context import EMPTY, RequestContextMiddleware, client_ip, current
from apps.core.models import ActivityLog
from apps.core.services import site_settings_update

from ..cms.factories import NewsArticleFactory

pytestmark = pytest.mark.django_db


def _seen_by_view(**meta):
    """The context the view saw, and the one after the middleware returned."""
    seen = {}

    def view(request):
        seen["context"] = current()
        return HttpResponse("ok")

    RequestContextMiddleware(view)(RequestFactory().get("/", **meta))
    return seen["context"], current()


def test_the_context_is_set_for_the_request_and_cleared_after_it():
    inside, after = _seen_by_view(REMOTE_ADDR="10.4.5.6", HTTP_USER_AGENT="ctx-agent/1")
    assert (inside.ip, inside.user_agent) == ("10.4.5.6", "ctx-agent/1")
    assert len(inside.request_id) == 32  # a new id when the client sent none
    assert after == EMPTY


def test_no_detail_leaks_into_the_next_request():
    first, _ = _seen_by_view(REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="first")
    second, _ = _seen_by_view(REMOTE_ADDR="10.0.0.2")
    assert (second.ip, second.user_agent) == ("10.0.0.2", "")
    assert second.request_id != first.request_id


def test_the_context_is_cleared_when_the_view_raises():
    def view(request):
        assert current().ip == "10.9.9.9"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        RequestContextMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="10.9.9.9"))
    assert current() == EMPTY


def test_a_plain_client_request_id_is_kept_and_anything_else_replaced():
    kept, _ = _seen_by_view(HTTP_X_REQUEST_ID="abc-123.def")
    assert kept.request_id == "abc-123.def"
    replaced, _ = _seen_by_view(HTTP_X_REQUEST_ID="bad id\n" + "x" * 100)
    assert replaced.request_id != "bad id\n" + "x" * 100 and len(replaced.request_id) == 32


def test_the_ip_is_the_trusted_proxys_view_of_the_client():
    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    meta = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"}
    with override_settings(REST_FRAMEWORK=rest):
        inside, _ = _seen_by_view(**meta)
        assert inside.ip == "203.0.113.5" == client_ip(RequestFactory().get("/", **meta))
    untrusted, _ = _seen_by_view(**meta)  # no proxy trusted: X-Forwarded-For is ignored
    assert untrusted.ip == "10.0.0.9"


def test_the_middleware_runs_after_authentication():
    order = settings.MIDDLEWARE
    assert order.index("apps.core.context.RequestContextMiddleware") > order.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


def test_a_service_called_outside_a_request_records_no_ip(make_user):
    assert current() == EMPTY
    site_settings_update(actor=make_user("admin"), data={"company_name": "Outside"})
    log = ActivityLog.objects.get(entity_type="core.sitesettings")
    assert (log.ip_address, log.user_agent, log.request_id) == (None, "", "")


def test_an_admin_action_records_the_ip_and_user_agent(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    article = NewsArticleFactory(status="draft", published_at=None)
    response = client.post(
        "/admin/cms/newsarticle/",
        {"action": "publish_selected", "_selected_action": [article.pk]},
        REMOTE_ADDR="10.7.7.7",
        HTTP_USER_AGENT="admin-agent/3",
        HTTP_X_REQUEST_ID="admin-req-42",
    )
    assert response.status_code == 302
    assert NewsArticle.objects.get(pk=article.pk).status == "published"
    log = ActivityLog.objects.get(entity_id=str(article.pk), action="news.publish")
    assert (log.ip_address, log.user_agent, log.request_id) == ("10.7.7.7", "admin-agent/3", "admin-req-42")
    assert current() == EMPTY
