"""The Content-Security-Policy (django-csp) on the admin and the API docs: scripts from this
origin only, no inline script; a response that sets its own policy (the media view's stricter
one) keeps it. The browser tests (tests/core/test_admin_browser.py) run every page under it."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_the_admin_pages_carry_the_policy(make_user):
    client = Client()
    login = client.get("/admin/login/")
    policy = directives(login)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    client.force_login(make_user("admin"))
    assert directives(client.get("/admin/"))["script-src"] == ["'self'"]


def test_the_api_docs_carry_the_policy_and_serve_their_script_as_a_file():
    client = Client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert directives(page)["script-src"] == ["'self'"]
    html = page.content.decode()
    assert "<script>" not in html  # every script has a src
    assert 'src="/api/docs?script="' in html
    script = client.get("/api/docs?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema" in script.content.decode()


def own_policy_view(request):
    response = HttpResponse(b"<svg></svg>", content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def plain_view(request):
    return HttpResponse(b"<p>page</p>")


urlpatterns = [path("own", own_policy_view), path("plain", plain_view)]


@pytest.mark.urls(__name__)
def test_a_response_with_its_own_policy_keeps_it():
    """The media view (another part of this issue) sets a stricter CSP on user files: the site's
    policy must not replace it."""
    client = Client()
    assert client.get("/own")["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert directives(client.get("/plain"))["script-src"] == ["'self'"]
