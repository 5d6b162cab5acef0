"""The admin in a real headless Chromium (Debian's package, driven by Playwright).

Skips only where /usr/bin/chromium is absent; .ci/run installs it, so in CI it runs."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser_page(tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        yield page
        browser.close()


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
