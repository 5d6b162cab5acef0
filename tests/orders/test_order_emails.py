"""The customer's order emails go through the notifications outbox, in the order's transaction."""

import pytest

from apps.notifications.models import EmailMessage
from apps.orders.models import Order, Payment
from apps.orders.payments import PaymentProviderError

from .factories import checkout, new_cart, sellable, stripe_delivery, succeeded_event

pytestmark = pytest.mark.django_db


def test_checkout_queues_the_order_confirmation_with_lines_and_totals(
    api_client, django_capture_on_commit_callbacks
):
    sellable("MAIL-1", usd="40.00", on_hand=5)
    cart = new_cart(api_client, items={"MAIL-1": 2})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        number = checkout(api_client, cart, email="ada@example.com").json()["order"]["number"]
    order = Order.objects.get(number=number)
    queued = EmailMessage.objects.get(template="order_confirmation")
    assert (queued.status, queued.body_text) == ("pending", "")  # the worker renders it
    for callback in callbacks:
        callback()
    message = EmailMessage.objects.get(template="order_confirmation")
    assert message.to == ["ada@example.com"] and message.status == "sent"
    assert number in message.subject
    assert "2 x Product MAIL-1" in message.body_text and "MAIL-1" in message.body_html
    assert f"Total: {order.total:.2f} USD" in message.body_text
    assert "as soon as the payment is received" in message.body_text


def test_a_checkout_that_rolls_back_sends_no_email(api_client, monkeypatch):
    sellable("MAIL-2", on_hand=5)
    cart = new_cart(api_client, items={"MAIL-2": 1})

    def refuse(self, *, charge, idempotency_key):
        raise PaymentProviderError("down")

    monkeypatch.setattr("apps.orders.payments.offline.OfflineProvider.create_payment", refuse)
    api_client.raise_request_exception = False  # a 5xx is also reported (got_request_exception)
    assert checkout(api_client, cart).status_code == 502
    assert not EmailMessage.objects.exists()


def test_the_payment_webhook_queues_payment_received_once(api_client, django_capture_on_commit_callbacks):
    sellable("MAIL-3", usd="25.00", on_hand=5)
    number = checkout(api_client, new_cart(api_client, items={"MAIL-3": 1})).json()["order"]["number"]
    event = succeeded_event(Payment.objects.get(order__number=number))
    for _ in range(2):  # delivered twice
        with django_capture_on_commit_callbacks(execute=True):
            assert stripe_delivery(api_client, event).status_code == 200
    message = EmailMessage.objects.get(template="payment_received")
    assert message.to == ["ada@example.com"] and number in message.subject
    assert "We received your payment of 40.00 USD" in message.body_text  # 25 + 15 shipping
