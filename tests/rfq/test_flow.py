"""The RFQ → quote → order flow through the API: submit, quote, send (the email carries the
lines and totals), accept (an order at the QUOTED prices, pending payment, stock reserved),
accept again (the same order), decline (RFQ lost); superseded, expired and draft quotes → 409."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.models import ActivityLog
from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Order
from apps.rfq.models import RFQ, Quote
from apps.rfq.services import quotes
from apps.rfq.tasks import expire_quotes
from tests.helpers import assert_error

from .factories import ADDRESS_US, emails_of, item, quote_make, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


def submit(client, **overrides):
    body = {
        "full_name": "Ada Buyer",
        "email": "ada@example.com",
        "company": "Buyer Ltd",
        "country": "ng",
        "items": [
            {"sku": "FLOW-1", "quantity": 3, "notes": "blue"},
            {"product": "product-flow-2", "quantity": 1},
        ],
        "budget_range": "USD 1k",
        "timeline": "May",
        "requirements": "Three pumps and a tractor.",
        "specifications": {"voltage": 220},
    }
    body.update(overrides)
    return client.post("/api/v1/rfqs", body, format="json")


@pytest.fixture
def catalog():
    return item("FLOW-1", usd="250.00", on_hand=10), item("FLOW-2", usd="99.50", on_hand=5)


def test_submit_quote_send_accept_places_an_order_at_the_quoted_prices(
    api_client, auth_client, catalog, django_capture_on_commit_callbacks
):
    sales = auth_client("sales")  # a plain sales user: sees what is assigned to them
    response = submit(api_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["number"].startswith(f"RFQ-{timezone.now().year}-")
    assert body["country"] == "NG" and [i["sku"] for i in body["items"]] == ["FLOW-1", ""]
    rfq = RFQ.objects.get(pk=body["id"])
    assert rfq.customer is None and rfq.items.count() == 2

    received = emails_of("rfq_received").get()
    assert received.to == ["ada@example.com"] and rfq.number in received.body_text
    alert = emails_of("rfq_alert").get()
    assert sales.user.email in alert.to and "FLOW-1" in alert.body_text

    assert_error(sales.get(f"/api/v1/rfqs/{rfq.pk}"), 404)  # not assigned yet
    admin = auth_client("admin")
    patched = admin.patch(f"/api/v1/rfqs/{rfq.pk}", {"assigned_to": str(sales.user.pk)}, format="json")
    assert patched.status_code == 200, patched.content
    assert sales.get(f"/api/v1/rfqs/{rfq.pk}").status_code == 200

    created = sales.post(
        f"/api/v1/rfqs/{rfq.pk}/quotes",
        {
            "currency": "usd",
            "valid_until": str(timezone.now().date() + timedelta(days=10)),
            "lines": [
                {"sku": "FLOW-1", "quantity": 3, "unit_price": "199.99"},
                {"sku": "flow-2", "quantity": 1},
            ],
            "notes": "Delivery in two weeks.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    quote = created.json()
    assert quote["version"] == 1 and quote["currency"] == "USD" and quote["status"] == "draft"
    # 3 × 199.99 (the price given) + 1 × 99.50 (no price given: the catalog's) = 699.47
    assert quote["subtotal"] == "699.47"
    assert (
        quote["total"]
        == f"{Decimal(quote['subtotal']) + Decimal(quote['shipping']) + Decimal(quote['tax']):.2f}"
    )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = sales.post(f"/api/v1/rfqs/{rfq.pk}/quotes/{quote['id']}/send")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent" and sent.json()["sent_at"]
    rfq.refresh_from_db()
    assert rfq.status == "quoted" and rfq.quote_sent_at == Quote.objects.get(pk=quote["id"]).sent_at
    email = emails_of("quote_sent").get()
    assert email.to == ["ada@example.com"]
    for text in ("FLOW-1", "199.99 USD", "99.50 USD", f"{Decimal(quote['total']):,.2f} USD"):
        assert text in email.body_text and text in email.body_html
    assert Quote.objects.get(pk=quote["id"]).token in email.body_text
    assert [m.subject for m in mail.outbox] == [f"Your quote for {rfq.number} (version 1)"]
    assert mail.outbox[0].to == ["ada@example.com"]

    token = Quote.objects.get(pk=quote["id"]).token
    accepted = api_client.post(
        f"/api/v1/quotes/{quote['id']}/accept?token={token}",
        {"shipping_address": ADDRESS_US},
        format="json",
    )
    assert accepted.status_code == 201, accepted.content
    result = accepted.json()
    order = Order.objects.get(pk=result["order"]["id"])
    assert result["order"]["status"] == "pending_payment" == order.status
    assert result["payment"]["client_secret"]
    assert {(line.sku, line.unit_price, line.quantity) for line in order.lines.all()} == {
        ("FLOW-1", Decimal("199.99"), 3),
        ("FLOW-2", Decimal("99.50"), 1),
    }
    assert order.total == Decimal(quote["total"]) and order.email == "ada@example.com"
    assert order.shipping_address["city"] == "Austin"
    reserved = dict(
        Reservation.objects.filter(reference=order.reservation_reference).values_list(
            "variant__sku", "quantity"
        )
    )
    assert reserved == {"FLOW-1": 3, "FLOW-2": 1}
    assert StockLevel.objects.get(variant__sku="FLOW-1").reserved == 3
    rfq.refresh_from_db()
    assert rfq.status == "won" and rfq.decision_date is not None
    assert [h.to_status for h in rfq.history.all()] == ["pending", "quoted", "won"]
    assert ActivityLog.objects.filter(action="accept", entity_id=quote["id"]).exists()

    again = api_client.post(f"/api/v1/quotes/{quote['id']}/accept", {"token": token}, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["order"]["id"] == str(order.pk)
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(variant__sku="FLOW-1").reserved == 3


def test_a_signed_in_customer_submits_and_accepts_their_own_quote(auth_client, catalog):
    customer = auth_client("customer", full_name="Cleo Customer", email="cleo@example.com")
    response = customer.post("/api/v1/rfqs", {"items": [{"sku": "FLOW-1", "quantity": 2}]}, format="json")
    assert response.status_code == 201, response.content
    rfq = RFQ.objects.get(pk=response.json()["id"])
    assert (
        rfq.customer == customer.user and rfq.full_name == "Cleo Customer" and rfq.email == "cleo@example.com"
    )
    quote = sent_quote(rfq)
    accepted = customer.post(
        f"/api/v1/quotes/{quote.pk}/accept", {"shipping_address": ADDRESS_US}, format="json"
    )
    assert accepted.status_code == 201, accepted.content
    order = Order.objects.get(pk=accepted.json()["order"]["id"])
    assert order.customer == customer.user
    assert [(line.unit_price, line.quantity) for line in order.lines.all()] == [(Decimal("80.00"), 2)]
    assert customer.get(f"/api/v1/quotes/{quote.pk}").json()["order"]["number"] == order.number


def test_a_new_version_supersedes_the_previous_quote_which_can_no_longer_be_accepted(api_client, catalog):
    rfq = rfq_make(skus=("FLOW-1",))
    first = sent_quote(rfq)
    second = quote_make(rfq, lines=[{"sku": "FLOW-1", "quantity": 2, "unit_price": "70.00"}])
    first.refresh_from_db()
    assert (first.status, second.status, second.version) == ("superseded", "draft", 2)
    response = api_client.post(f"/api/v1/quotes/{first.pk}/accept", {"token": first.token}, format="json")
    assert_error(response, 409, code="quote_superseded")
    # a draft is not visible to the customer yet, even with its token
    assert_error(
        api_client.post(f"/api/v1/quotes/{second.pk}/accept", {"token": second.token}, format="json"), 404
    )
    quotes.quote_send(quote=second, actor=None)
    ok = api_client.post(
        f"/api/v1/quotes/{second.pk}/accept",
        {"token": second.token, "shipping_address": ADDRESS_US},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert Order.objects.get().lines.get().unit_price == Decimal("70.00")


def test_an_expired_quote_cannot_be_accepted_and_the_job_marks_it(api_client, catalog):
    rfq = rfq_make(skus=("FLOW-1",))
    quote = sent_quote(rfq)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now().date() - timedelta(days=1))
    response = api_client.post(f"/api/v1/quotes/{quote.pk}/accept", {"token": quote.token}, format="json")
    assert_error(response, 409, code="quote_expired")
    assert Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert expire_quotes.delay().get() == 1
    quote.refresh_from_db()
    assert quote.status == "expired"
    assert_error(
        api_client.post(f"/api/v1/quotes/{quote.pk}/accept", {"token": quote.token}, format="json"),
        409,
        code="quote_expired",
    )
    rfq.refresh_from_db()
    assert rfq.status == "quoted"


def test_declining_loses_the_rfq_with_the_reason_and_a_declined_quote_cannot_be_accepted(api_client, catalog):
    rfq = rfq_make(skus=("FLOW-1",))
    quote = sent_quote(rfq)
    response = api_client.post(
        f"/api/v1/quotes/{quote.pk}/decline?token={quote.token}", {"reason": "Too expensive"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined" and response.json()["decline_reason"] == "Too expensive"
    rfq.refresh_from_db()
    assert rfq.status == "lost" and "Too expensive" in rfq.history.last().reason
    again = api_client.post(f"/api/v1/quotes/{quote.pk}/decline", {"token": quote.token}, format="json")
    assert again.status_code == 200
    assert_error(
        api_client.post(f"/api/v1/quotes/{quote.pk}/accept", {"token": quote.token}, format="json"),
        409,
        code="quote_declined",
    )
    assert Order.objects.count() == 0


def test_accepting_without_enough_stock_changes_nothing(api_client):
    item("FLOW-LOW", on_hand=1)
    rfq = rfq_make(skus=("FLOW-LOW",), quantity=5)
    quote = sent_quote(rfq)
    response = api_client.post(
        f"/api/v1/quotes/{quote.pk}/accept",
        {"token": quote.token, "shipping_address": ADDRESS_US},
        format="json",
    )
    assert_error(response, 409, code="insufficient_stock")
    quote.refresh_from_db()
    rfq.refresh_from_db()
    assert (quote.status, rfq.status, Order.objects.count()) == ("sent", "quoted", 0)


def test_wrong_tokens_and_other_customers_get_404(api_client, auth_client, catalog):
    owner = auth_client("customer")
    rfq = rfq_make(skus=("FLOW-1",), customer=owner.user)
    quote = sent_quote(rfq)
    other = auth_client("customer")
    for client, token in ((api_client, "nope"), (api_client, ""), (other, ""), (other, "x" * 43)):
        assert_error(client.get(f"/api/v1/quotes/{quote.pk}", {"token": token}), 404)
        assert_error(client.post(f"/api/v1/quotes/{quote.pk}/accept", {"token": token}, format="json"), 404)
        assert_error(client.post(f"/api/v1/quotes/{quote.pk}/decline", {"token": token}, format="json"), 404)
    assert_error(other.get(f"/api/v1/rfqs/{rfq.pk}"), 404)
    assert_error(api_client.get(f"/api/v1/quotes/{uuid.uuid4()}"), 404)
    assert owner.get(f"/api/v1/quotes/{quote.pk}").status_code == 200
    assert api_client.get(f"/api/v1/quotes/{quote.pk}", {"token": quote.token}).status_code == 200


def test_accept_validates_the_addresses_with_the_orders_rules(api_client, catalog):
    quote = sent_quote(rfq_make(skus=("FLOW-1",)))
    response = api_client.post(
        f"/api/v1/quotes/{quote.pk}/accept",
        {"token": quote.token, "shipping_address": {**ADDRESS_US, "country": "ZZ"}},
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr="shipping_address.country")
    assert Order.objects.count() == 0


def test_sending_requires_a_draft_or_sent_quote_of_an_open_rfq(auth_client, catalog):
    sales = auth_client("admin")
    rfq = rfq_make(skus=("FLOW-1",))
    quote = sent_quote(rfq)
    resend = sales.post(f"/api/v1/rfqs/{rfq.pk}/quotes/{quote.pk}/send")
    assert resend.status_code == 200 and emails_of("quote_sent").count() == 2
    quote_make(rfq)
    assert_error(sales.post(f"/api/v1/rfqs/{rfq.pk}/quotes/{quote.pk}/send"), 409, code="quote_superseded")
    assert_error(sales.post(f"/api/v1/rfqs/{rfq.pk}/quotes/{uuid.uuid4()}/send"), 404)
    cancelled = sales.patch(f"/api/v1/rfqs/{rfq.pk}", {"status": "cancelled"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    response = sales.post(
        f"/api/v1/rfqs/{rfq.pk}/quotes",
        {"currency": "USD", "lines": [{"sku": "FLOW-1", "quantity": 1}]},
        format="json",
    )
    assert_error(response, 409, code="invalid_transition")
