"""The admin in a real headless Chromium (Debian's package, driven by Playwright).

Skips only where /usr/bin/chromium is absent; .ci/run installs it, so in CI it runs.

Every page a browser test opens runs under the site's Content-Security-Policy: the
``browser_page`` fixture collects each violation the browser reports (a
``securitypolicyviolation`` listener installed before any page script) and fails the test if
there was any (``csp_violations(page)`` reads them)."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    page: document.location.href, directive: event.violatedDirective,
    blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber, sample: event.sample,
  });
});
"""


def csp_violations(page) -> list[dict]:
    """The Content-Security-Policy violations the page reported so far (every page it opened)."""
    # Let pending reports in (a page mid-navigation or closed: what arrived is what counts).
    with contextlib.suppress(Exception):
        page.wait_for_timeout(50)
    return page._csp_violations


@pytest.fixture
def browser_page(tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        page._csp_violations = []
        page.expose_function("__cspViolation", lambda violation: page._csp_violations.append(violation))
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        yield page
        violations = csp_violations(page)
        browser.close()
        assert violations == [], f"Content-Security-Policy violations: {violations}"


def submit_admin_login(page, base_url: str, email: str) -> None:
    """Fill and send the admin login form (the factories' default password)."""
    from tests.accounts.factories import DEFAULT_PASSWORD

    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("input[type=submit]")


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_admin_login_and_user_list_in_chromium(live_server, browser_page, make_user):
    admin_user = make_user("admin", email="boss@example.com", is_superuser=True)
    make_user("customer", email="buyer@example.com", full_name="Bea Buyer")
    make_user("sales", email="seller@example.com")
    page = browser_page

    submit_admin_login(page, live_server.url, admin_user.email)
    page.wait_for_selector("#site-name")
    assert "Foundry admin" in page.inner_text("#site-name")

    page.goto(f"{live_server.url}/admin/accounts/user/")
    table = page.inner_text("#result_list")
    assert "buyer@example.com" in table
    assert "seller@example.com" in table
    assert "customer" in table and "sales" in table

    page.fill("#searchbar", "buyer")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    table = page.inner_text("#result_list")
    assert "buyer@example.com" in table and "seller@example.com" not in table

    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "admin-users.png"), full_page=True)


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_admin_refuses_a_customer_in_chromium(live_server, browser_page, make_user):
    customer = make_user("customer", email="not-staff@example.com")
    page = browser_page
    submit_admin_login(page, live_server.url, customer.email)
    page.wait_for_selector(".errornote")
    assert "staff account" in page.inner_text(".errornote")


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_under_a_csp_that_blocks_injected_script(live_server, browser_page, make_user):
    """The policy is enforced (an injected inline script does not run) and reported: the check
    every browser test ends with does see violations."""
    page = browser_page
    response = page.goto(f"{live_server.url}/admin/login/")
    policy = response.headers["content-security-policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self'"
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }""")
    assert page.evaluate("() => window.injected === true") is False
    [violation] = csp_violations(page)
    assert violation["directive"].startswith("script-src")
    page._csp_violations.clear()  # seen: the fixture's own check must pass


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_the_operations_under_the_csp(live_server, browser_page):
    page = browser_page
    response = page.goto(f"{live_server.url}/api/docs")
    assert "content-security-policy" in response.headers
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) > 50
    assert any(path.replace("\u200b", "").strip() == "/api/v1/auth/login" for path in paths), paths[:10]
    assert "Foundry API" in page.inner_text(".information-container")


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_every_admin_list_and_add_page_runs_under_the_csp(live_server, browser_page, make_user):
    """Each model's list and add page (their scripts: jQuery, select2, nested inlines, the
    apps' own) loads with no policy violation (checked by the fixture)."""
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import reverse

    superuser = make_user("admin", email="crawler@example.com", is_superuser=True)
    page = browser_page
    submit_admin_login(page, live_server.url, superuser.email)
    page.wait_for_selector("#site-name")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    visited = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status < 500, url
            visited += 1
    assert visited > 40
    assert csp_violations(page) == []
