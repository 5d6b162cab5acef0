"""Stored XSS through the media library, tried for real: a content user uploads active files
through POST /api/v1/media, and an admin logged into /admin/ opens every media URL in headless
Chromium (Debian's package through Playwright; skips only where it is absent).

The payload would rename the page, write the origin's localStorage and read /admin/ with the
admin's cookies, then POST it to a beacon path: the test watches every request the browser
makes, the page title and localStorage, so nothing of it may happen."""

import io

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image
from rest_framework_simplejwt.tokens import RefreshToken

from apps.cms.models import MediaFile
from tests.core.test_admin_browser import (  # noqa: F401 (browser_page is a fixture)
    browser_page,
    needs_chromium,
    submit_admin_login,
)

MARK = "XSS-RAN"
BEACON = "/xss-beacon"
SCRIPT = (
    f'document.title = "{MARK}"; '
    f'try {{ localStorage.setItem("xss", "{MARK}"); }} catch (e) {{}} '
    f'fetch("/admin/").then(r => r.text()).then(t => fetch("{BEACON}", {{method: "POST", body: t}}));'
)
HTML = f"<!doctype html><html><body><h1>Quarterly report</h1><script>{SCRIPT}</script></body></html>"
SVG = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>{SCRIPT}</script></svg>'
XHTML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
    f"<title>r</title></head><body><script>{SCRIPT}</script></body></html>"
)


def gif_with_html() -> bytes:
    """A valid GIF (Pillow opens it) with the HTML payload appended: a polyglot."""
    buf = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 200, 10)).save(buf, format="GIF")
    return buf.getvalue() + HTML.encode()


@pytest.fixture
def project_media_route(monkeypatch):
    """Django's live server wraps the site in its own media handler (django.views.static.serve
    on MEDIA_ROOT, a test convenience production does not have): switch it off, so /media/
    requests reach the project's URL conf and middleware as under runserver or gunicorn."""
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


def _upload(base_url: str, token: str, name: str, content: bytes, content_type: str):
    return requests.post(
        f"{base_url}/api/v1/media",
        files={"file": (name, content, content_type)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _open_in_browser(page, url: str) -> dict:
    """Open ``url`` as the admin would (a top-level navigation); answer what the page did."""
    seen: list[tuple[str, str]] = []

    def record(request):
        seen.append((request.method, request.url))

    page.context.on("request", record)
    title = None
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # the payload's fetch chain is asynchronous
        title = page.title()
    except Exception as exc:  # noqa: BLE001 - an attachment is downloaded, not rendered
        if "Download is starting" not in str(exc) and "ERR_ABORTED" not in str(exc):
            raise
    finally:
        page.context.remove_listener("request", record)
    ran = [f"{method} {u}" for method, u in seen if BEACON in u or u.rstrip("/").endswith("/admin")]
    if title == MARK:
        ran.append(f"title set to {MARK}")
    return {"url": url, "ran": ran}


def _assert_safe_headers(page, url: str, *, image: bool) -> None:
    response = page.request.get(url)  # the admin's cookies, the full middleware stack
    assert response.status == 200, (url, response.status)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", url
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp, (url, csp)
    content_type = headers["content-type"]
    assert not any(kind in content_type for kind in ("html", "xml", "svg", "javascript")), (url, content_type)
    disposition = headers.get("content-disposition", "")
    if image:
        assert content_type.startswith("image/") and not disposition.startswith("attachment"), (url, headers)
    else:
        assert disposition.startswith("attachment"), (url, headers)


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("project_media_route")
def test_uploaded_active_files_never_run_script_in_the_admins_browser(live_server, browser_page, make_user):  # noqa: F811
    admin_user = make_user("admin", email="boss@example.com", is_superuser=True)
    editor = make_user("content", email="editor@example.com")
    page = browser_page
    submit_admin_login(page, live_server.url, admin_user.email)
    page.wait_for_selector("#site-name")

    token = str(RefreshToken.for_user(editor).access_token)
    attempts = {
        "report.html": (HTML.encode(), "text/html"),
        "logo.svg": (SVG.encode(), "image/svg+xml"),
        "page.xhtml": (XHTML.encode(), "application/xhtml+xml"),
        "x.html": (gif_with_html(), "text/html"),
    }
    answers = {
        name: _upload(live_server.url, token, name, content, ctype)
        for name, (content, ctype) in attempts.items()
    }

    # Data stored before the fix: an .html name on disk with a row that says text/plain.
    legacy_name = storages["default"].save("media/2024/01/legacy-report.html", ContentFile(HTML.encode()))
    MediaFile.objects.create(
        file=legacy_name,
        file_name="legacy-report.html",
        file_type="document",
        mime_type="text/plain",
        size=len(HTML),
        status=MediaFile.Status.READY,
    )

    urls = {
        name: answer.json()["results"][0]["url"]
        for name, answer in answers.items()
        if answer.status_code == 201
    }
    urls["legacy-report.html"] = storages["default"].url(legacy_name)
    opened = [_open_in_browser(page, live_server.url + url) for url in urls.values()]

    # Whatever was stored, opening it ran nothing: no beacon, no read of /admin/, no title...
    assert [o for o in opened if o["ran"]] == []
    # ...and nothing reached the admin origin's localStorage.
    page.goto(f"{live_server.url}/admin/")
    assert page.evaluate('localStorage.getItem("xss")') is None

    # Active markup is refused outright; the GIF polyglot is kept as the GIF it is.
    for name in ("report.html", "logo.svg", "page.xhtml"):
        assert answers[name].status_code == 400, (name, answers[name].text)
        assert answers[name].json()["errors"][0]["code"] == "unsupported_file_type"
    assert answers["x.html"].status_code == 201, answers["x.html"].text
    gif = MediaFile.objects.get(file_name="x.html")
    assert gif.mime_type == "image/gif" and gif.file.name.endswith(".gif")
    assert urls["x.html"].endswith(".gif")

    # The image still displays when opened on its own, under the media CSP.
    page.goto(live_server.url + urls["x.html"])
    assert page.evaluate("document.images[0].naturalWidth") == 2
    _assert_safe_headers(page, live_server.url + urls["x.html"], image=True)
    _assert_safe_headers(page, live_server.url + urls["legacy-report.html"], image=False)
