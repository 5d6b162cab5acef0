"""Concurrency on PostgreSQL with real concurrent transactions: accepting one quote from many
requests at once places exactly one order (the rest get the same order back); concurrent
submissions get distinct numbers from the sequence."""

import pytest
from rest_framework.test import APIClient

from apps.inventory.models import Reservation, StockLevel
from apps.inventory.selectors import ledger_differences
from apps.orders.models import Order, Payment
from apps.rfq.models import RFQ
from tests.helpers import together

from .factories import ADDRESS_US, item, rfq_make, sent_quote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_accepts_of_one_quote_make_exactly_one_order():
    item("PG-ACC", on_hand=10)
    quote = sent_quote(rfq_make(skus=("PG-ACC",), quantity=3))

    def accept(i):
        response = APIClient().post(
            f"/api/v1/quotes/{quote.pk}/accept",
            {"token": quote.token, "shipping_address": ADDRESS_US},
            format="json",
        )
        return response.status_code, response.json()

    results = together(8, accept)
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert len({body["order"]["id"] for _, body in results}) == 1
    assert Order.objects.count() == Payment.objects.count() == 1
    assert StockLevel.objects.get(variant__sku="PG-ACC").reserved == 3
    assert Reservation.objects.filter(state="active").count() == 1
    rfq = RFQ.objects.get(pk=quote.rfq_id)
    assert rfq.status == "won" and rfq.history.filter(to_status="won").count() == 1
    assert ledger_differences() == []


def test_concurrent_submissions_get_distinct_numbers():
    item("PG-NUM", on_hand=1)

    def submit(i):
        return (
            APIClient()
            .post(
                "/api/v1/rfqs",
                {
                    "full_name": f"Buyer {i}",
                    "email": f"b{i}@example.com",
                    "items": [{"sku": "PG-NUM", "quantity": 1}],
                },
                format="json",
                REMOTE_ADDR=f"10.0.0.{i + 1}",
            )
            .status_code
        )

    assert together(10, submit) == [201] * 10
    numbers = list(RFQ.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 10
