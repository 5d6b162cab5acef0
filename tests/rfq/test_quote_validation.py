"""What a quote may hold: amounts that fit Decimal(12, 2) (what the quote and its order store),
sellable ISO 4217 currencies, and text without NUL characters — refused with 400 before
anything is stored, so the RFQ stays readable."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.rfq.models import Quote, QuoteLine
from apps.rfq.services import quotes
from tests.helpers import assert_error

from .factories import item, quote_make, rfq_make, sent_quote

pytestmark = pytest.mark.django_db

BIG = "9999999999.99"


@pytest.fixture
def rfq():
    item("VAL-1", usd="10.00", on_hand=10)
    item("VAL-2", usd="10.00", on_hand=10)
    return rfq_make(skus=("VAL-1",))


def post_quote(client, rfq, **body):
    return client.post(
        f"/api/v1/rfqs/{rfq.pk}/quotes",
        {"currency": "USD", "lines": [{"sku": "VAL-1", "quantity": 1}], **body},
        format="json",
    )


# --- Amounts -----------------------------------------------------------------------------------


def test_a_line_total_too_large_for_a_quote_is_refused_on_its_quantity_and_the_rfq_stays_readable(
    auth_client, rfq
):
    sales = auth_client("admin")
    response = post_quote(sales, rfq, lines=[{"sku": "VAL-1", "quantity": 1_000_000, "unit_price": BIG}])
    body = assert_error(response, 400, kind="validation_error", code="quote_total_too_large")
    assert [e["attr"] for e in body["errors"]] == ["lines.0.quantity"]
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()
    assert sales.get(f"/api/v1/rfqs/{rfq.pk}").status_code == 200


def test_a_quote_total_too_large_is_refused_on_lines_even_when_every_line_fits(auth_client, rfq):
    sales = auth_client("admin")
    lines = [
        {"sku": "VAL-1", "quantity": 1, "unit_price": "6000000000.00"},
        {"sku": "VAL-2", "quantity": 1, "unit_price": "6000000000.00"},
    ]
    response = post_quote(sales, rfq, lines=lines)
    assert_error(response, 400, kind="validation_error", code="quote_total_too_large", attr="lines")
    assert not Quote.objects.exists()
    assert sales.get(f"/api/v1/rfqs/{rfq.pk}").status_code == 200


def test_shipping_and_tax_that_push_the_total_over_the_limit_are_refused(settings, auth_client, rfq):
    settings.ORDER_FREE_SHIPPING_OVER = {}
    settings.ORDER_SHIPPING_FLAT = {"USD": Decimal("100.00")}
    response = post_quote(
        auth_client("admin"), rfq, lines=[{"sku": "VAL-1", "quantity": 1, "unit_price": "9999999950.00"}]
    )
    assert_error(response, 400, kind="validation_error", code="quote_total_too_large", attr="lines")


def test_the_largest_total_a_quote_can_hold_is_accepted(auth_client, rfq):
    response = post_quote(
        auth_client("admin"),
        rfq,
        lines=[{"sku": "VAL-1", "quantity": 1, "unit_price": BIG}],  # over 500 USD: ships free
    )
    assert response.status_code == 201, response.content
    assert response.json()["total"] == BIG


def test_recomputing_a_draft_whose_lines_grew_too_large_is_refused_and_changes_nothing(rfq):
    quote = quote_make(rfq)
    QuoteLine.objects.filter(quote=quote).update(quantity=1_000_000, unit_price=Decimal(BIG))
    with pytest.raises(ValidationError) as error:
        quotes.quote_recompute(quote=quote)
    assert error.value.error_dict["lines.0.quantity"][0].code == "quote_total_too_large"
    line = QuoteLine.objects.get(quote=quote)
    quote.refresh_from_db()
    assert line.line_total < Decimal(BIG) and quote.total < Decimal(BIG)


# --- Currency ----------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["ZZZ", "XAU", "XTS", "HRK"])
def test_a_currency_that_is_not_a_sellable_iso_4217_code_is_refused(auth_client, rfq, currency):
    response = post_quote(auth_client("admin"), rfq, currency=currency)
    assert_error(response, 400, kind="validation_error", attr="currency")
    assert not Quote.objects.exists()


def test_the_service_refuses_an_unknown_currency_too(rfq):
    with pytest.raises(ValidationError) as error:
        quote_make(rfq, currency="ZZZ")
    assert "currency" in error.value.message_dict
    assert not Quote.objects.exists()


def test_only_the_currencies_payment_providers_take_are_sellable(settings, auth_client, rfq):
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "USD": "stripe"}
    sales = auth_client("admin")
    assert_error(post_quote(sales, rfq, currency="EUR"), 400, kind="validation_error", attr="currency")
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "*": "stripe"}
    response = post_quote(
        sales, rfq, currency="EUR", lines=[{"sku": "VAL-1", "quantity": 1, "unit_price": "9"}]
    )
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"


# --- Text ----------------------------------------------------------------------------------------


def test_quote_notes_and_line_descriptions_with_a_nul_character_are_refused(rfq):
    with pytest.raises(ValidationError) as error:
        quote_make(rfq, notes="net 30\x00")
    assert error.value.error_dict["notes"][0].code == "null_characters_not_allowed"
    with pytest.raises(ValidationError) as error:
        quote_make(rfq, lines=[{"sku": "VAL-1", "quantity": 1, "description": "pump\x00"}])
    assert "lines.0.description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        quote_make(rfq, lines=[{"sku": "VAL\x00-1", "quantity": 1}])
    assert "lines.0.sku" in error.value.message_dict
    assert not Quote.objects.exists()


def test_a_decline_reason_with_a_nul_character_is_refused_and_the_quote_stays_open(rfq):
    quote = sent_quote(rfq)
    with pytest.raises(ValidationError) as error:
        quotes.quote_decline(quote=quote, reason="too dear\x00")
    assert "reason" in error.value.message_dict
    quote.refresh_from_db()
    assert quote.status == "sent"
