"""Staff flows through the admin in a real headless Chromium (Debian's package, driven by
Playwright): a product with a variant and a price, a quote answering an RFQ and sent, an order
marked fulfilling, a CSV export downloaded, and a screenshot of the dashboard (a CI artifact).

One flow per test, each with its own data; they skip only where /usr/bin/chromium is absent.
One more checks the quote builder's price auto-fill when a SKU is picked (it once loaded before
django.jQuery and never fired)."""

import json
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tests.core.test_admin_browser import (  # noqa: F401 (browser_page is a fixture)
    browser_page,
    needs_chromium,
    submit_admin_login,
)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(live_server, browser_page, make_user):  # noqa: F811
    """A Chromium page signed in to the admin as a superuser."""
    admin_user = make_user("admin", is_superuser=True, is_staff=True)
    submit_admin_login(browser_page, live_server.url, admin_user.email)
    browser_page.wait_for_selector("#site-name")
    return browser_page


def success_message(page) -> str:
    page.wait_for_selector(".messagelist")
    errors = page.locator(".messagelist .error, .errornote, .errorlist")
    assert errors.count() == 0, errors.all_inner_texts()
    return page.inner_text(".messagelist .success")


def run_action(page, changelist_url: str, pk, action: str) -> str:
    """Tick one row of a changelist, run an admin action on it; returns the success message."""
    page.goto(changelist_url)
    page.check(f'#result_list input[name="_selected_action"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')
    return success_message(page)


def open_quote_form(page, base_url: str, rfq, *, sku: str, currency: str = "USD") -> None:
    """From the RFQ's page, "Write a new quote"; set the currency and choose the first line's
    SKU in its select2 autocomplete."""
    page.goto(f"{base_url}/admin/rfq/rfq/{rfq.pk}/change/")
    page.click("a.button:has-text('Write a new quote')")
    page.wait_for_url("**/admin/rfq/quote/add/?rfq=*")
    assert rfq.number in page.inner_text("#select2-id_rfq-container")  # the RFQ is chosen
    page.fill("#id_currency", currency)
    page.click("#lines-0 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", sku)
    page.click(f".select2-results__option:has-text('{sku}')")
    assert page.input_value("#id_lines-0-variant")


def test_staff_creates_a_product_with_a_variant_and_a_price(live_server, staff_page):
    from apps.catalog.models import Product

    page = staff_page

    page.goto(f"{live_server.url}/admin/catalog/product/add/")
    page.fill("#id_name", "Browser Pump 3000")
    page.press("#id_name", "Tab")
    assert page.input_value("#id_slug") == "browser-pump-3000"  # prepopulated from the name
    page.select_option("#id_status", "active")

    page.click("a.djn-add-handler.djn-model-catalog-variant")  # the nested variant inline
    page.fill("#id_variants-0-sku", "BRW-PUMP-1")
    page.fill("#id_variants-0-name", "Browser Pump, 1 kW")
    page.click("#variants-0 a.djn-add-handler.djn-model-catalog-price")  # its price inline
    page.fill("#id_variants-0-prices-0-currency", "USD")
    page.fill("#id_variants-0-prices-0-amount", "1234.50")
    page.click('input[name="_save"]')
    assert "was added successfully" in success_message(page)

    product = Product.objects.get(slug="browser-pump-3000")
    assert product.status == Product.Status.ACTIVE
    variant = product.variants.get()
    assert (variant.sku, variant.name) == ("BRW-PUMP-1", "Browser Pump, 1 kW")
    assert [(p.currency, p.amount) for p in variant.prices.all()] == [("USD", Decimal("1234.50"))]
    assert "BRW-PUMP-1" in product.search_text  # the admin refreshes it through the service

    with urllib.request.urlopen(f"{live_server.url}/api/v1/products/browser-pump-3000?currency=USD") as r:
        assert r.status == 200
        body = json.load(r)
    assert body["name"] == "Browser Pump 3000" and body["status"] == "active"
    [shown] = body["variants"]
    assert shown["sku"] == "BRW-PUMP-1" and shown["available"] is True
    assert shown["price"]["currency"] == "USD" and Decimal(shown["price"]["amount"]) == Decimal("1234.50")


def test_staff_answers_an_rfq_with_a_quote_and_sends_it(live_server, staff_page):
    from apps.rfq.models import RFQ, Quote
    from tests.rfq.factories import emails_of, item, rfq_make

    item("BRW-Q-1", usd="120.00")
    rfq = rfq_make(skus=("BRW-Q-1",), quantity=3, email="quote-me@example.com")
    page = staff_page

    open_quote_form(page, live_server.url, rfq, sku="BRW-Q-1")
    page.fill("#id_lines-0-quantity", "3")  # unit price left blank: the catalog's, on save
    page.click('input[name="_save"]')
    assert "was added successfully" in success_message(page)

    quote = Quote.objects.get(rfq=rfq)
    assert (quote.version, quote.status, quote.currency) == (1, Quote.Status.DRAFT, "USD")
    [line] = quote.lines.all()
    assert (line.sku, line.quantity, line.unit_price) == ("BRW-Q-1", 3, Decimal("120.00"))
    assert line.description  # from the catalog
    assert quote.subtotal == Decimal("360.00") and quote.total >= quote.subtotal

    message = run_action(page, f"{live_server.url}/admin/rfq/quote/", quote.pk, "send_quote")
    assert "Sent 1 quote(s)." in message
    row = page.locator("#result_list tbody tr", has_text=rfq.number)
    assert "Sent" in row.inner_text()

    quote.refresh_from_db()
    rfq.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.sent_at is not None
    assert rfq.status == RFQ.Status.QUOTED and rfq.quote_sent_at == quote.sent_at
    [email] = emails_of("quote_sent")
    assert email.to == ["quote-me@example.com"]
    assert rfq.number in email.subject


def test_quote_builder_fills_the_catalog_price_when_a_sku_is_chosen(live_server, staff_page):
    from tests.rfq.factories import item, rfq_make

    item("BRW-Q-2", usd="75.00")
    rfq = rfq_make(skus=("BRW-Q-2",), quantity=1)
    page = staff_page

    open_quote_form(page, live_server.url, rfq, sku="BRW-Q-2")
    page.wait_for_function("document.getElementById('id_lines-0-unit_price').value === '75.00'", timeout=3000)
    assert page.input_value("#id_lines-0-description")


def test_staff_marks_a_paid_order_fulfilling(live_server, staff_page):
    from tests.tracking.factories import paid_order

    order = paid_order()
    page = staff_page

    message = run_action(page, f"{live_server.url}/admin/orders/order/", order.pk, "mark_fulfilling")
    assert "Marked fulfilling 1 order(s)." in message

    order.refresh_from_db()
    assert order.status == "fulfilling"
    row = page.locator("#result_list tbody tr", has_text=order.number)
    assert "Fulfilling" in row.inner_text()


def test_staff_downloads_the_orders_csv_from_the_finance_page(live_server, staff_page):
    from tests.tracking.factories import paid_order

    order = paid_order()
    page = staff_page

    page.goto(f"{live_server.url}/admin/finance/")
    with page.expect_download() as info:
        page.click("#export-orders")
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("orders_") and download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("number,created_at,status,")
    [row] = [line for line in lines[1:] if line.startswith(f"{order.number},")]
    assert ",paid," in row


def test_admin_dashboard_screenshot(live_server, staff_page):
    from tests.tracking.factories import paid_order

    paid_order()  # something on the charts
    page = staff_page

    page.goto(f"{live_server.url}/admin/")
    dashboard = page.locator("#dashboard")
    dashboard.wait_for(state="visible")
    assert "Last 30 days" in dashboard.inner_text()
    assert dashboard.locator("svg.foundry-chart").count() >= 2

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "admin-dashboard.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10 * 1024
