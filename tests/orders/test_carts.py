"""Carts through the API: anonymous carts by token, owners, prices read live, stock limits."""

from decimal import Decimal

import pytest

from apps.catalog.models import Price
from apps.inventory import services as stock
from tests.helpers import assert_error

from .factories import new_cart, sellable

pytestmark = pytest.mark.django_db


def items_url(cart):
    return f"/api/v1/carts/{cart['id']}/items"


def test_an_anonymous_cart_is_created_and_addressed_by_its_token(api_client):
    sellable("DRL-1", usd="19.99")
    response = api_client.post("/api/v1/carts", {"currency": "usd"}, format="json")
    assert response.status_code == 201
    cart = response.json()
    assert {"id", "token", "currency", "items", "total"} <= set(cart)
    assert (cart["currency"], cart["items"], cart["total"]) == ("USD", [], "0.00")
    added = api_client.post(
        items_url(cart), {"sku": "DRL-1", "quantity": 2}, format="json", HTTP_X_CART_TOKEN=cart["token"]
    )
    assert added.status_code == 201
    body = added.json()
    assert [(i["sku"], i["quantity"], i["unit_price"], i["line_total"]) for i in body["items"]] == [
        ("DRL-1", 2, "19.99", "39.98")
    ]
    assert (body["subtotal"], body["shipping"], body["tax"], body["total"]) == (
        "39.98",
        "15.00",
        "0.00",
        "54.98",
    )
    assert_error(api_client.get(f"/api/v1/carts/{cart['id']}"), 404)
    assert_error(api_client.get(f"/api/v1/carts/{cart['id']}", HTTP_X_CART_TOKEN="wrong"), 404)
    assert api_client.get(f"/api/v1/carts/{cart['id']}", HTTP_X_CART_TOKEN=cart["token"]).status_code == 200


def test_adding_again_adds_up_and_patch_and_delete_change_items(api_client):
    sellable("SAW-1", usd="10.00")
    cart = new_cart(api_client, items={"SAW-1": 1})
    token = {"HTTP_X_CART_TOKEN": cart["token"]}
    body = api_client.post(items_url(cart), {"sku": "saw-1", "quantity": 2}, format="json", **token).json()
    [item] = body["items"]
    assert item["quantity"] == 3
    patched = api_client.patch(f"{items_url(cart)}/{item['id']}", {"quantity": 5}, format="json", **token)
    assert patched.json()["items"][0]["quantity"] == 5
    deleted = api_client.delete(f"{items_url(cart)}/{item['id']}", **token)
    assert deleted.status_code == 200 and deleted.json()["items"] == []
    assert_error(api_client.delete(f"{items_url(cart)}/{item['id']}", **token), 404)


@pytest.mark.parametrize(
    ("payload", "kind", "attr"),
    [
        ({"sku": "NOPE-1", "quantity": 1}, "client_error", "sku"),  # a domain error: unknown_sku
        ({"sku": "SAW-1", "quantity": 0}, "validation_error", "quantity"),
        ({"sku": "SAW-1", "quantity": -2}, "validation_error", "quantity"),
        ({"sku": "SAW-1", "quantity": "lots"}, "validation_error", "quantity"),
        ({"quantity": 1}, "validation_error", "sku"),
    ],
)
def test_bad_items_are_400(api_client, payload, kind, attr):
    sellable("SAW-1")
    cart = new_cart(api_client)
    response = api_client.post(items_url(cart), payload, format="json", HTTP_X_CART_TOKEN=cart["token"])
    assert_error(
        response,
        400,
        kind="validation_error" if attr == "quantity" or "sku" not in payload else "client_error",
        attr=attr,
    )


def test_more_than_available_is_409_with_the_available_quantity(api_client):
    sellable("LAST-1", on_hand=3)
    cart = new_cart(api_client, items={"LAST-1": 2})
    body = assert_error(
        api_client.post(
            items_url(cart), {"sku": "LAST-1", "quantity": 2}, format="json", HTTP_X_CART_TOKEN=cart["token"]
        ),
        409,
        code="insufficient_stock",
    )
    assert "Only 3 of LAST-1 available; 4 requested" in body["errors"][0]["detail"]


def test_a_variant_without_a_price_in_the_cart_currency_is_400(api_client):
    sellable("USD-ONLY", usd="5.00")
    cart = new_cart(api_client, currency="NGN")
    body = assert_error(
        api_client.post(
            items_url(cart),
            {"sku": "USD-ONLY", "quantity": 1},
            format="json",
            HTTP_X_CART_TOKEN=cart["token"],
        ),
        400,
        code="no_price_in_currency",
        attr="sku",
    )
    assert "no price in NGN" in body["errors"][0]["detail"]


def test_a_price_change_shows_in_the_cart_at_once(api_client):
    variant = sellable("PRC-1", usd="10.00")
    cart = new_cart(api_client, items={"PRC-1": 3})
    Price.objects.filter(variant=variant, currency="USD").update(amount=Decimal("12.50"))
    body = api_client.get(f"/api/v1/carts/{cart['id']}", HTTP_X_CART_TOKEN=cart["token"]).json()
    assert (body["items"][0]["unit_price"], body["subtotal"]) == ("12.50", "37.50")


def test_totals_follow_the_shipping_and_tax_rules(api_client, settings):
    settings.ORDER_TAX_RATES = {"NGN": Decimal("7.5")}
    sellable("NG-1", usd="1.00", ngn="1000.10")
    cart = new_cart(api_client, currency="NGN", items={"NG-1": 3})
    body = api_client.get(f"/api/v1/carts/{cart['id']}", HTTP_X_CART_TOKEN=cart["token"]).json()
    # 3000.30 + 5000 shipping, 7.5% tax on both = 600.0225 → 600.02 (half-up to kobo)
    assert (body["subtotal"], body["shipping"], body["tax"], body["total"]) == (
        "3000.30",
        "5000.00",
        "600.02",
        "8600.32",
    )


def test_an_owned_cart_is_only_its_owners_and_a_customer_can_claim_an_anonymous_one(api_client, auth_client):
    sellable("OWN-1")
    owner = auth_client("customer")
    mine = new_cart(owner, items={"OWN-1": 1})
    assert mine["owner"] == str(owner.user.pk)
    assert owner.get(f"/api/v1/carts/{mine['id']}").status_code == 200
    assert_error(
        auth_client("customer").get(f"/api/v1/carts/{mine['id']}", HTTP_X_CART_TOKEN=mine["token"]), 404
    )
    assert_error(api_client.get(f"/api/v1/carts/{mine['id']}", HTTP_X_CART_TOKEN=mine["token"]), 404)

    anonymous = new_cart(api_client, items={"OWN-1": 2})
    claimed = owner.post(f"/api/v1/carts/{anonymous['id']}/claim", HTTP_X_CART_TOKEN=anonymous["token"])
    assert claimed.status_code == 200 and claimed.json()["owner"] == str(owner.user.pk)
    assert owner.get(f"/api/v1/carts/{anonymous['id']}").status_code == 200
    assert_error(
        api_client.get(f"/api/v1/carts/{anonymous['id']}", HTTP_X_CART_TOKEN=anonymous["token"]), 404
    )
    assert_error(
        api_client.post(f"/api/v1/carts/{anonymous['id']}/claim", HTTP_X_CART_TOKEN=anonymous["token"]), 401
    )
    assert_error(owner.post(f"/api/v1/carts/{mine['id']}/claim"), 404)


def test_bad_cart_creation_is_400(api_client):
    assert_error(
        api_client.post("/api/v1/carts", {"currency": "dollars"}, format="json"),
        400,
        kind="validation_error",
        attr="currency",
    )
    assert_error(
        api_client.post("/api/v1/carts", {}, format="json"), 400, kind="validation_error", attr="currency"
    )


def test_stock_reserved_by_others_limits_what_can_be_added(api_client):
    variant = sellable("HOT-1", on_hand=2)
    stock.stock_reserve(
        lines=[stock.ReservationRequest(variant_id=variant.pk, sku="HOT-1", quantity=2)],
        reference="order:x",
        expires_at=None,
    )
    cart = new_cart(api_client)
    assert_error(
        api_client.post(
            items_url(cart), {"sku": "HOT-1", "quantity": 1}, format="json", HTTP_X_CART_TOKEN=cart["token"]
        ),
        409,
        code="insufficient_stock",
    )


def test_cart_amounts_are_exact_decimals_on_every_database(api_client):
    """The cart is read with hand-written SQL: amounts come back as text, never through floats."""
    sellable("EXACT-1", usd="19.99", on_hand=50)
    sellable("EXACT-2", usd="9999999.99", on_hand=50)
    sellable("EXACT-3", usd="0.10", on_hand=50)
    cart = new_cart(api_client, items={"EXACT-1": 3, "EXACT-2": 1, "EXACT-3": 7})
    body = api_client.get(f"/api/v1/carts/{cart['id']}", HTTP_X_CART_TOKEN=cart["token"]).json()
    lines = {item["sku"]: (item["unit_price"], item["line_total"]) for item in body["items"]}
    assert lines == {
        "EXACT-1": ("19.99", "59.97"),
        "EXACT-2": ("9999999.99", "9999999.99"),
        "EXACT-3": ("0.10", "0.70"),
    }
    assert body["subtotal"] == "10000060.66"


def test_a_cart_checked_out_between_the_read_and_the_add_gets_409_and_no_item(api_client, monkeypatch):
    from apps.orders.models import Cart, CartItem
    from apps.orders.services import carts as service

    sellable("RACE-ADD", on_hand=5)
    cart = new_cart(api_client)
    read = service.cart_for_add

    def read_then_checkout(**kwargs):
        found = read(**kwargs)
        Cart.objects.filter(pk=cart["id"]).update(status="checked_out")  # a checkout meanwhile
        return found

    monkeypatch.setattr(service, "cart_for_add", read_then_checkout)
    response = api_client.post(
        f"/api/v1/carts/{cart['id']}/items", {"sku": "RACE-ADD", "quantity": 1},
        format="json", HTTP_X_CART_TOKEN=cart["token"],
    )  # fmt: skip
    assert_error(response, 409, code="cart_checked_out")
    assert not CartItem.objects.exists()
