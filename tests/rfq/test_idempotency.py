"""Idempotency-Key on quote creation and acceptance: the same key and body replay the first
response and make nothing new; the same key with another body → 422."""

import pytest

from apps.inventory.models import Warehouse
from apps.inventory.services import stock_adjust
from apps.orders.models import Order
from apps.rfq.models import Quote
from tests.helpers import assert_error

from .factories import ADDRESS_US, item, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def rfq():
    item("IDEM-1", on_hand=20)
    return rfq_make(skus=("IDEM-1",))


def test_quote_creation_replays_with_the_same_key(auth_client, rfq):
    sales = auth_client("admin")
    body = {"currency": "USD", "lines": [{"sku": "IDEM-1", "quantity": 2, "unit_price": "10.00"}]}
    url = f"/api/v1/rfqs/{rfq.pk}/quotes"
    first = sales.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="quote-1")
    again = sales.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="quote-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Quote.objects.filter(rfq=rfq).count() == 1
    other = sales.post(url, {**body, "notes": "changed"}, format="json", HTTP_IDEMPOTENCY_KEY="quote-1")
    assert_error(other, 422, code="idempotency_key_reused")
    new_key = sales.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="quote-2")
    assert new_key.status_code == 201 and new_key.json()["version"] == 2


def test_acceptance_replays_with_the_same_key_for_a_token_holder(api_client, rfq):
    quote = sent_quote(rfq)
    url = f"/api/v1/quotes/{quote.pk}/accept?token={quote.token}"
    body = {"shipping_address": ADDRESS_US}
    first = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="accept-1")
    again = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="accept-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    changed = api_client.post(
        url, {"shipping_address": None, "x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="accept-1"
    )
    assert_error(changed, 422, code="idempotency_key_reused")


def test_a_failed_acceptance_is_not_remembered_so_the_key_can_retry(auth_client, rfq):
    customer = auth_client("customer")
    rfq.customer = customer.user
    rfq.save(update_fields=["customer"])
    quote = sent_quote(rfq, lines=[{"sku": "IDEM-1", "quantity": 50, "unit_price": "5.00"}])
    url = f"/api/v1/quotes/{quote.pk}/accept"
    body = {"shipping_address": ADDRESS_US}
    assert_error(
        customer.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k"), 409, code="insufficient_stock"
    )
    stock_adjust(
        variant=quote.lines.get().variant,
        warehouse=Warehouse.objects.get(code="main"),
        quantity_delta=40,
        reason="received",
    )
    retried = customer.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert retried.status_code == 201, retried.content
    assert Order.objects.get().lines.get().quantity == 50
