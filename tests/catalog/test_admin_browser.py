"""A content editor creates a product with a variant and its prices in the admin, in a real
headless Chromium (Debian's package through Playwright; skips only where it is absent)."""

import pytest

from apps.catalog.models import Price, Product
from apps.core.models import ActivityLog
from tests.core.test_admin_browser import (  # noqa: F401 (browser_page is a fixture)
    browser_page,
    needs_chromium,
    submit_admin_login,
)


@pytest.mark.browser
@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_create_a_product_with_a_variant_and_prices_in_the_admin(live_server, browser_page, make_user):  # noqa: F811
    editor = make_user("content", email="editor@example.com")
    page = browser_page
    submit_admin_login(page, live_server.url, editor.email)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}/admin/catalog/product/add/")
    page.fill("input[name=name]", "Browser Baler 200")
    page.click("text=Add another Variant")
    page.fill("input[name='variants-0-sku']", "BB-200")
    page.fill("input[name='variants-0-name']", "Standard")
    page.click("text=Add another Price")
    page.fill("input[name='variants-0-prices-0-currency']", "USD")
    page.fill("input[name='variants-0-prices-0-amount']", "2499.50")
    page.click("text=Add another Price")
    page.fill("input[name='variants-0-prices-1-currency']", "NGN")
    page.fill("input[name='variants-0-prices-1-amount']", "3874225.00")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    product = Product.objects.get(name="Browser Baler 200")
    assert product.slug == "browser-baler-200"
    assert sorted((p.currency, str(p.amount)) for p in Price.objects.filter(variant__product=product)) == [
        ("NGN", "3874225.00"),
        ("USD", "2499.50"),
    ]
    logs = ActivityLog.objects.filter(entity_id=str(product.pk)).values_list("action", flat=True)
    assert set(logs) >= {"create", "update_related"}
