"""Checkout: one transaction, idempotent, nothing reserved or created when it fails."""

import re
import uuid

import pytest

from apps.inventory.models import Reservation, StockLevel
from apps.orders.models import Cart, Order, Payment
from apps.orders.payments import PaymentProviderError
from tests.helpers import assert_error

from .factories import ADDRESS_NG, checkout, new_cart, sellable

pytestmark = pytest.mark.django_db


def test_checkout_creates_the_order_reserves_stock_and_starts_the_payment(api_client):
    variant = sellable("CHK-1", usd="40.00", on_hand=5)
    sellable("CHK-2", usd="12.25", on_hand=9)
    cart = new_cart(api_client, items={"CHK-1": 2, "CHK-2": 1})
    response = checkout(api_client, cart)
    assert response.status_code == 201, response.content
    body = response.json()
    assert re.fullmatch(r"FD-\d{4}-\d{6}", body["order"]["number"])
    assert body["order"]["status"] == "pending_payment"
    assert (body["order"]["total"], body["order"]["currency"]) == ("107.25", "USD")  # 92.25 + 15 shipping
    assert body["payment"]["provider"] == "offline"
    assert body["payment"]["client_secret"].startswith(body["payment"]["reference"] + "_secret_")
    assert body["payment"]["reference"].startswith("pi_")
    order = Order.objects.get(number=body["order"]["number"])
    assert [(line.sku, line.quantity, str(line.unit_price)) for line in order.lines.order_by("sku")] == [
        ("CHK-1", 2, "40.00"),
        ("CHK-2", 1, "12.25"),
    ]
    assert StockLevel.objects.get(variant=variant).reserved == 2
    assert Reservation.objects.filter(reference=f"order:{order.number}", state="active").count() == 2
    assert Cart.objects.get(pk=cart["id"]).status == "checked_out"
    assert list(order.history.values_list("to_status", flat=True)) == ["pending_payment"]
    assert order.reserved_until is not None


def test_insufficient_stock_is_409_and_nothing_is_reserved_or_created(api_client):
    sellable("PLENTY", on_hand=50)
    scarce = sellable("SCARCE", on_hand=2)
    cart = new_cart(api_client, items={"PLENTY": 3, "SCARCE": 2})
    StockLevel.objects.filter(variant=scarce).update(on_hand=1)  # someone else bought one meanwhile
    assert_error(checkout(api_client, cart), 409, code="insufficient_stock")
    assert not Order.objects.exists() and not Payment.objects.exists() and not Reservation.objects.exists()
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == 0
    assert Cart.objects.get(pk=cart["id"]).status == "open"


def test_a_provider_error_rolls_the_whole_checkout_back_with_502(api_client, monkeypatch):
    sellable("PRV-1", on_hand=5)
    cart = new_cart(api_client, items={"PRV-1": 1})

    def refuse(self, *, charge, idempotency_key):
        raise PaymentProviderError("Stripe: the card network is down")

    monkeypatch.setattr("apps.orders.payments.offline.OfflineProvider.create_payment", refuse)
    api_client.raise_request_exception = False  # a 5xx is also reported (got_request_exception)
    body = assert_error(checkout(api_client, cart), 502, kind="server_error", code="payment_provider_error")
    assert "card network" in body["errors"][0]["detail"]
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == 0
    monkeypatch.undo()
    assert checkout(api_client, cart).status_code == 201  # the cart is still open: try again


def test_the_same_idempotency_key_replays_and_creates_nothing_new(api_client):
    sellable("IDM-1", on_hand=5)
    cart = new_cart(api_client, items={"IDM-1": 1})
    key = str(uuid.uuid4())
    first, again = checkout(api_client, cart, key=key), checkout(api_client, cart, key=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == Payment.objects.count() == 1
    assert_error(
        checkout(api_client, cart, key=key, email="other@example.com"), 422, code="idempotency_key_reused"
    )


def test_the_idempotency_key_is_required(api_client):
    sellable("IDM-2", on_hand=5)
    cart = new_cart(api_client, items={"IDM-2": 1})
    response = api_client.post(
        "/api/v1/checkout",
        {"cart_id": cart["id"], "email": "a@example.com", "shipping_address": ADDRESS_NG},
        format="json",
        HTTP_X_CART_TOKEN=cart["token"],
    )
    assert_error(response, 400, code="idempotency_key_required")
    assert not Order.objects.exists()


def test_a_checked_out_cart_cannot_be_checked_out_again(api_client):
    sellable("TWICE", on_hand=5)
    cart = new_cart(api_client, items={"TWICE": 1})
    assert checkout(api_client, cart).status_code == 201
    assert_error(checkout(api_client, cart), 409, code="cart_checked_out")


@pytest.mark.parametrize(
    ("address", "attr"),
    [
        ({**ADDRESS_NG, "country": "XX"}, "shipping_address.country"),
        ({**ADDRESS_NG, "region": "Atlantis"}, "shipping_address.region"),
        (
            {"name": "A", "line1": "1 St", "city": "Austin", "country": "US", "region": "TX"},
            "shipping_address.postal_code",
        ),
        (
            {
                "name": "A",
                "line1": "1 St",
                "city": "Austin",
                "country": "US",
                "region": "ZZ",
                "postal_code": "73301",
            },
            "shipping_address.region",
        ),
        ({"line1": "1 St", "city": "Lagos", "country": "NG", "region": "Lagos"}, "shipping_address.name"),
    ],
)
def test_addresses_are_validated_by_country(api_client, address, attr):
    sellable("ADR-1", on_hand=5)
    cart = new_cart(api_client, items={"ADR-1": 1})
    assert_error(checkout(api_client, cart, address=address), 400, kind="validation_error", attr=attr)
    assert not Order.objects.exists()


def test_an_empty_cart_and_someone_elses_cart_are_refused(api_client, auth_client):
    cart = new_cart(api_client)
    assert_error(checkout(api_client, cart), 400, code="empty_cart")
    sellable("OTH-1", on_hand=5)
    owned = new_cart(auth_client("customer"), items={"OTH-1": 1})
    assert_error(checkout(auth_client("customer"), owned), 404)


def test_a_signed_in_customer_checks_out_their_own_cart(auth_client):
    sellable("MINE-1", on_hand=5)
    client = auth_client("customer")
    cart = new_cart(client, items={"MINE-1": 1})
    response = checkout(client, cart)
    assert response.status_code == 201
    assert Order.objects.get().customer == client.user


def test_a_total_larger_than_an_order_can_hold_is_400_not_500(api_client):
    sellable("HUGE-1", usd="20000000.00", on_hand=6000)
    cart = new_cart(api_client, items={"HUGE-1": 5000})  # 100,000,000,000.00 USD
    response = checkout(api_client, cart)
    assert_error(response, 400, code="order_total_too_large")
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert Cart.objects.get(pk=cart["id"]).status == "open"


@pytest.fixture
def production_payments(settings):
    """Production: no offline fallback; only Stripe has a key."""
    settings.PAYMENTS_OFFLINE, settings.PAYMENTS_OFFLINE_FALLBACK = False, False
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "sk_test_x", ""


def test_checkout_in_a_currency_that_cannot_be_paid_is_503_and_makes_nothing(
    api_client, production_payments, monkeypatch
):
    variant = sellable("CHK-NG", usd="10.00", ngn="5000.00", on_hand=3)
    cart = new_cart(api_client, currency="NGN", items={"CHK-NG": 1})

    def numbered():
        raise AssertionError("an order number was taken before the provider was known")

    monkeypatch.setattr("apps.orders.services.checkout.order_sequence_next", numbered)
    api_client.raise_request_exception = False  # a 5xx is also reported (got_request_exception)
    body = assert_error(checkout(api_client, cart), 503, kind="server_error", code="payments_unavailable")
    assert "NGN" in body["errors"][0]["detail"] and body["errors"][0]["attr"] == "currency"
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert StockLevel.objects.get(variant=variant).reserved == 0
    assert Cart.objects.get(pk=cart["id"]).status == "open"


def test_an_order_can_be_placed_with_the_offline_provider_whatever_is_configured(
    api_client, production_payments
):
    """What the demo data does (payments_through("offline")): no real provider is ever called."""
    from apps.orders.api import payments_through
    from apps.orders.models import Cart as CartModel
    from apps.orders.services.checkout import checkout_place

    sellable("CHK-OFF", usd="10.00", on_hand=3)
    cart = new_cart(api_client, items={"CHK-OFF": 1})
    with payments_through("offline"):
        placed = checkout_place(
            cart=CartModel.objects.get(pk=cart["id"]),
            email="demo@example.com",
            shipping_address=ADDRESS_NG,
            billing_address=None,
        )
    assert placed.payment.provider == "offline" and placed.payment.reference.startswith("pi_")
