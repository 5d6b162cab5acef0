"""Closing an RFQ by hand (won elsewhere, lost, cancelled — API or admin) withdraws its open
quotes in the same transaction: accepting or declining one then says the request was closed
(409 quote_withdrawn), and a withdrawn draft never shows to the customer."""

import pytest
from django.urls import reverse

from apps.core.errors import Conflict
from apps.core.models import ActivityLog
from apps.orders.models import Order
from apps.rfq.models import RFQ, Quote
from apps.rfq.services import quotes, rfqs
from tests.helpers import assert_error

from .factories import ADDRESS_US, item, quote_make, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    return item("CLO-1", on_hand=10)


@pytest.mark.parametrize("target", ["won", "lost", "cancelled"])
def test_closing_an_rfq_by_hand_withdraws_its_sent_quote_which_can_no_longer_be_accepted(
    auth_client, api_client, stock, target
):
    rfq = rfq_make(skus=("CLO-1",))
    quote = sent_quote(rfq)
    admin = auth_client("admin")
    response = admin.patch(f"/api/v1/rfqs/{rfq.pk}", {"status": target, "reason": "by phone"}, format="json")
    assert response.status_code == 200, response.content
    quote.refresh_from_db()
    assert quote.status == "withdrawn"
    assert ActivityLog.objects.filter(action="withdraw", entity_id=str(quote.pk)).exists()

    body = assert_error(
        api_client.post(
            f"/api/v1/quotes/{quote.pk}/accept",
            {"token": quote.token, "shipping_address": ADDRESS_US},
            format="json",
        ),
        409,
        code="quote_withdrawn",
    )
    assert "was closed" in body["errors"][0]["detail"] and rfq.number in body["errors"][0]["detail"]
    assert_error(
        api_client.post(f"/api/v1/quotes/{quote.pk}/decline", {"token": quote.token}, format="json"),
        409,
        code="quote_withdrawn",
    )
    assert Order.objects.count() == 0
    rfq.refresh_from_db()
    assert rfq.status == target


def test_a_draft_withdrawn_with_its_rfq_stays_hidden_from_the_customer(auth_client, stock):
    customer = auth_client("customer")
    rfq = rfq_make(skus=("CLO-1",), customer=customer.user)
    draft = quote_make(rfq)
    rfqs.rfq_transition(rfq=rfq, target=RFQ.Status.LOST, actor=None, reason="no stock")
    draft.refresh_from_db()
    assert draft.status == "withdrawn"
    assert customer.get(f"/api/v1/rfqs/{rfq.pk}").json()["quotes"] == []
    assert_error(customer.get(f"/api/v1/quotes/{draft.pk}"), 404)
    listed = customer.get("/api/v1/rfqs").json()["results"]
    assert [r["quote_count"] for r in listed] == [0]


def test_the_admin_cancel_action_withdraws_the_open_quote(client, make_user, stock):
    user = make_user("admin")
    client.force_login(user)
    rfq = rfq_make(skus=("CLO-1",))
    quote = sent_quote(rfq)
    response = client.post(
        reverse("admin:rfq_rfq_changelist"), {"action": "cancel", "_selected_action": [str(rfq.pk)]}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "withdrawn"


def test_a_withdrawn_quote_cannot_be_sent_and_accepting_or_declining_keeps_the_other_quotes(stock):
    rfq = rfq_make(skus=("CLO-1",))
    older = sent_quote(rfq)
    newer = sent_quote(rfq)  # supersedes the older
    rfqs.rfq_transition(rfq=rfq, target=RFQ.Status.CANCELLED, actor=None)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == ("superseded", "withdrawn")
    with pytest.raises(Conflict) as error:
        quotes.quote_send(quote=newer, actor=None)
    assert error.value.code == "quote_withdrawn"


def test_accepting_a_quote_closes_the_rfq_without_withdrawing_the_accepted_quote(api_client, stock):
    rfq = rfq_make(skus=("CLO-1",))
    quote = sent_quote(rfq)
    response = api_client.post(
        f"/api/v1/quotes/{quote.pk}/accept",
        {"token": quote.token, "shipping_address": ADDRESS_US},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert list(Quote.objects.filter(rfq=rfq).values_list("status", flat=True)) == ["accepted"]
