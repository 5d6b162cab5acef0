"""Accepting a quote places an order on the quote's terms and keeps it alive: the order's total
is the quote's (its own shipping and tax), its stock is held until the quote's validity ends
(capped by RFQ_ACCEPTED_ORDER_HOLD_DAYS) instead of a checkout's 30 minutes, an order that
expired unpaid anyway is replaced while the quote is valid (409 after), a shipping address is
required, and a token holder accepting again gets the order but not its payment secret."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import ActivityLog
from apps.inventory.models import StockLevel
from apps.orders.models import Order
from apps.orders.services.status import orders_expire_unpaid
from apps.rfq.models import Quote
from apps.rfq.services import quotes
from tests.helpers import assert_error

from .factories import ADDRESS_US, item, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    return item("ACC-1", usd="80.00", on_hand=10)


def accept(client, quote, **body):
    return client.post(
        f"/api/v1/quotes/{quote.pk}/accept",
        {"token": quote.token, "shipping_address": ADDRESS_US, **body},
        format="json",
    )


def end_of(day):
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


# --- The stock hold ----------------------------------------------------------------------------


def test_the_order_of_an_accepted_quote_survives_the_checkout_expiry_until_the_quote_ends(api_client, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)), valid_days=3)
    response = accept(api_client, quote)
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.reserved_until == end_of(quote.valid_until)

    assert orders_expire_unpaid(now=timezone.now() + timedelta(minutes=31)) == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert StockLevel.objects.get(variant=stock).reserved == 2

    assert orders_expire_unpaid(now=order.reserved_until + timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and StockLevel.objects.get(variant=stock).reserved == 0


def test_the_hold_is_capped_by_rfq_accepted_order_hold_days(settings, stock):
    settings.RFQ_ACCEPTED_ORDER_HOLD_DAYS = 2
    quote = sent_quote(rfq_make(skus=("ACC-1",)), valid_days=30)
    before = timezone.now()
    accepted = quotes.quote_accept(quote=quote, shipping_address=ADDRESS_US)
    hold = accepted.order.reserved_until
    assert before + timedelta(days=2) <= hold <= timezone.now() + timedelta(days=2)


def test_a_quote_accepted_on_its_last_day_still_gets_a_checkouts_hold(settings, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)))
    now = datetime.combine(quote.valid_until, time(23, 55), tzinfo=UTC)
    hold = quotes.accepted_order_hold_until(quote=quote, now=now)
    assert hold == now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES)


# --- An order that expired anyway ---------------------------------------------------------------


def test_accepting_again_after_the_order_expired_places_a_new_order_while_the_quote_is_valid(
    settings, api_client, stock
):
    settings.RFQ_ACCEPTED_ORDER_HOLD_DAYS = 1
    quote = sent_quote(rfq_make(skus=("ACC-1",)), valid_days=10)
    first = accept(api_client, quote)
    assert first.status_code == 201, first.content
    expired = Order.objects.get()
    assert orders_expire_unpaid(now=expired.reserved_until + timedelta(seconds=1)) == 1

    again = accept(api_client, quote)
    assert again.status_code == 201, again.content
    body = again.json()
    assert body["order"]["id"] != str(expired.pk) and body["order"]["status"] == "pending_payment"
    assert body["payment"]["client_secret"]
    quote.refresh_from_db()
    expired.refresh_from_db()
    assert quote.status == "accepted" and str(quote.order_id) == body["order"]["id"]
    assert expired.status == "cancelled" and quote.rfq.status == "won"
    assert StockLevel.objects.get(variant=stock).reserved == 2
    assert ActivityLog.objects.filter(action="reaccept", entity_id=str(quote.pk)).exists()
    # and that order is now the one returned
    third = accept(api_client, quote)
    assert third.status_code == 200 and third.json()["order"]["id"] == body["order"]["id"]


def test_accepting_again_after_the_order_expired_and_the_quote_ended_is_409(api_client, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)), valid_days=2)
    assert accept(api_client, quote).status_code == 201
    order = Order.objects.get()
    assert orders_expire_unpaid(now=order.reserved_until + timedelta(seconds=1)) == 1
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now().date() - timedelta(days=1))

    body = assert_error(accept(api_client, quote), 409, code="quote_order_cancelled")
    assert order.number in body["errors"][0]["detail"] and "cancelled" in body["errors"][0]["detail"]
    assert Order.objects.count() == 1


# --- The quoted total ----------------------------------------------------------------------------


def test_the_order_total_is_the_quoted_total_after_shipping_and_tax_settings_change(
    settings, api_client, stock
):
    settings.ORDER_SHIPPING_FLAT = {"USD": Decimal("15.00")}
    settings.ORDER_TAX_RATES = {}
    quote = sent_quote(rfq_make(skus=("ACC-1",)))
    assert (quote.shipping, quote.tax, quote.total) == (Decimal("15.00"), Decimal("0.00"), Decimal("175.00"))

    settings.ORDER_SHIPPING_FLAT = {"USD": Decimal("40.00")}
    settings.ORDER_TAX_RATES = {"USD": Decimal("10")}
    response = accept(api_client, quote)
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        quote.subtotal,
        quote.shipping,
        quote.tax,
        quote.total,
    )
    assert response.json()["order"]["total"] == "175.00"
    assert order.payments.get().amount == quote.total


# --- The shipping address -------------------------------------------------------------------------


def test_accepting_without_a_shipping_address_is_refused_and_places_nothing(api_client, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)))
    for body in ({"token": quote.token}, {"token": quote.token, "shipping_address": None}):
        response = api_client.post(f"/api/v1/quotes/{quote.pk}/accept", body, format="json")
        assert_error(response, 400, kind="validation_error", code="required", attr="shipping_address")
    quote.refresh_from_db()
    assert quote.status == "sent" and Order.objects.count() == 0
    assert StockLevel.objects.get(variant=stock).reserved == 0


# --- The token after acceptance ----------------------------------------------------------------------


def test_a_token_holder_accepting_again_gets_the_order_but_not_its_payment_secret(api_client, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)))
    first = accept(api_client, quote)
    assert first.status_code == 201 and first.json()["payment"]["client_secret"]
    again = accept(api_client, quote)
    assert again.status_code == 200, again.content
    assert again.json()["order"] == first.json()["order"] and again.json()["payment"] is None
    assert Order.objects.count() == 1
    # the token still shows the quote (with its order), read-only
    shown = api_client.get(f"/api/v1/quotes/{quote.pk}", {"token": quote.token})
    assert shown.status_code == 200 and shown.json()["order"]["number"] == Order.objects.get().number


def test_the_rfqs_signed_in_customer_accepting_again_gets_the_payment_to_complete(auth_client, stock):
    customer = auth_client("customer")
    quote = sent_quote(rfq_make(skus=("ACC-1",), customer=customer.user))
    url = f"/api/v1/quotes/{quote.pk}/accept"
    first = customer.post(url, {"shipping_address": ADDRESS_US}, format="json")
    assert first.status_code == 201, first.content
    again = customer.post(url, {}, format="json")
    assert again.status_code == 200
    assert again.json()["payment"] == first.json()["payment"]


def test_an_idempotent_replay_of_the_first_acceptance_still_carries_its_payment(api_client, stock):
    quote = sent_quote(rfq_make(skus=("ACC-1",)))
    url = f"/api/v1/quotes/{quote.pk}/accept?token={quote.token}"
    body = {"shipping_address": ADDRESS_US}
    first = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="acc-1")
    replay = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="acc-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.json()["payment"]["client_secret"]
