"""Every template of this app renders (HTML and text) with the context its header documents,
inside the base layout that shows the site settings."""

import pytest
from django.template import TemplateDoesNotExist

from apps.core.services import site_settings_update
from apps.notifications.services.rendering import email_render

pytestmark = pytest.mark.django_db

ORDER = {
    "id": "0",
    "number": "FD-2026-000007",
    "status": "pending_payment",
    "currency": "USD",
    "subtotal": "200.00",
    "shipping": "15.00",
    "tax": "0.00",
    "total": "215.00",
}
CASES = {
    "order_confirmation": (
        {
            "order": ORDER,
            "customer_name": "Jo",
            "payment_pending": True,
            "order_url": "https://shop.test/o/7",
            "lines": [
                {
                    "sku": "PMP-1",
                    "name": "Pump & motor",
                    "quantity": 2,
                    "unit_price": "100.00",
                    "line_total": "200.00",
                }
            ],
            "shipping_address": {
                "name": "Jo Doe",
                "company": "",
                "line1": "1 Main St",
                "line2": "",
                "city": "Austin",
                "region": "TX",
                "postal_code": "73301",
                "country": "US",
            },
        },
        "Order FD-2026-000007 confirmed — {company}",
        ["PMP-1", "215.00 USD", "1 Main St", "https://shop.test/o/7", "as soon as the payment is received"],
    ),
    "payment_received": (
        {
            "order": ORDER,
            "payment": {
                "amount": "215.00",
                "currency": "USD",
                "provider": "stripe",
                "reference": "pi_123",
                "paid_at": "2026-03-01T10:00:00+00:00",
            },
        },
        "Payment received for order FD-2026-000007",
        ["215.00 USD", "pi_123"],
    ),
    "reconciliation_report": (
        {
            "run": {
                "provider": "paystack",
                "since": "2026-03-01 00:00",
                "issue_count": 3,
                "applied_count": 1,
                "provider_count": 120,
                "local_count": 118,
            },
            "counts": [{"label": "Missing here", "count": 2}, {"label": "Amount or currency", "count": 1}],
            "admin_url": "https://admin.test/runs/1",
        },
        "Payment reconciliation: 3 issues (paystack)",
        ["Missing here", "https://admin.test/runs/1"],
    ),
    "low_stock_digest": (
        {
            "count": 1,
            "levels": [
                {
                    "sku": "LOW-1",
                    "product": "Valve",
                    "variant": "2 in",
                    "warehouse": "lag-1",
                    "available": 1,
                    "on_hand": 3,
                    "reserved": 2,
                    "threshold": 5,
                }
            ],
        },
        "Low stock: 1 item",
        ["LOW-1", "lag-1"],
    ),
    "broadcast": (
        {"subject": "Holiday hours", "body": "We close <early> on Friday.\n\nSee you Monday."},
        "Holiday hours",
        ["Monday"],
    ),
    "email_test": ({"provider": "console"}, "{company}: test email", ["console"]),
    "password_reset": (
        {
            "user": {"get_short_name": "Ada"},
            "reset_url": "https://app.test/reset?uid=1&token=t",
            "valid_hours": 3,
        },
        "Reset your {company} password",
        ["Hello Ada", "3 hours"],
    ),
    "invitation": (
        {
            "user": {"get_short_name": "Ada"},
            "reset_url": "https://app.test/reset?uid=1&token=t",
            "valid_hours": 3,
        },
        "You are invited to {company}",
        ["Choose your password"],
    ),
}


@pytest.mark.parametrize("template", sorted(CASES))
def test_template_renders_html_and_text_in_the_site_layout(template):
    site_settings_update(actor=None, data={"company_name": "Acme & Sons", "support_email": "help@acme.test"})
    context, subject, needles = CASES[template]
    rendered = email_render(template=template, context=context)
    assert rendered.subject == subject.format(company="Acme & Sons")
    for body in (rendered.html, rendered.text):
        assert "help@acme.test" in body
        for needle in needles:
            assert needle in body, (template, needle)
    assert "Acme &amp; Sons" in rendered.html and "Acme & Sons" in rendered.text  # escaped only in HTML
    assert rendered.html.lstrip().lower().startswith("<!doctype html>")
    assert "{%" not in rendered.text and "{{" not in rendered.text


def test_html_escapes_what_people_wrote_and_text_keeps_it_plain():
    rendered = email_render(
        template="broadcast", context={"subject": "S", "body": "<script>x</script> & more"}
    )
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>x</script> & more" in rendered.text
    assert (
        "https://app.test/reset?uid=1&token=t"
        in email_render(template="password_reset", context=CASES["password_reset"][0]).text
    )  # links stay usable in the text part


def test_a_missing_template_fails_loudly():
    with pytest.raises(TemplateDoesNotExist):
        email_render(template="no_such_email", context={})
