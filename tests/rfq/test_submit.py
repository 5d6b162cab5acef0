"""Submitting an RFQ: validation (every problem at once, dotted attrs), catalog lookups, the
category, numbering, the emails through the outbox, the customer link, throttling; and the
Python API leads uses (an inquiry's RFQ may have no items)."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError

from apps.rfq import api as rfq_api
from apps.rfq.models import RFQ
from tests.catalog.factories import CategoryFactory
from tests.helpers import assert_error

from .factories import emails_of, item

pytestmark = pytest.mark.django_db


def post(client, **body):
    data = {"full_name": "Ada Buyer", "email": "ada@example.com", "items": [{"sku": "SUB-1", "quantity": 1}]}
    data.update(body)
    return client.post("/api/v1/rfqs", data, format="json")


@pytest.fixture
def catalog():
    return item("SUB-1"), item("SUB-2")


def errors_of(response) -> dict:
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


def test_validation_errors_name_every_field_with_dotted_attrs(api_client, catalog):
    response = post(
        api_client,
        full_name="",
        email="not-an-email",
        country="XX",
        items=[
            {"sku": "SUB-1", "quantity": 0},
            {"quantity": 2},
            {"sku": "SUB-1", "product": "x", "quantity": 1},
            {"sku": "SUB-2", "quantity": "many"},
        ],
    )
    assert_error(response, 400, kind="validation_error")
    attrs = errors_of(response)
    for attr in (
        "full_name",
        "email",
        "country",
        "items.0.quantity",
        "items.1.product",
        "items.2.sku",
        "items.3.quantity",
    ):
        assert attr in attrs, attrs
    assert RFQ.objects.count() == 0 and not emails_of("rfq_received").exists()


def test_unknown_products_and_skus_are_reported_per_item(api_client, catalog):
    response = post(
        api_client,
        items=[
            {"sku": "SUB-1", "quantity": 1},
            {"sku": "NOPE", "quantity": 1},
            {"product": "nope", "quantity": 2},
        ],
    )
    assert_error(response, 400, kind="validation_error")
    assert set(errors_of(response)) == {"items.1.sku", "items.2.product"}


def test_no_items_or_too_many_is_refused(api_client, catalog, settings):
    assert_error(post(api_client, items=[]), 400, kind="validation_error", attr="items")
    settings.RFQ_MAX_ITEMS = 2
    too_many = [{"sku": "SUB-1", "quantity": 1}] * 3
    with pytest.raises(ValidationError) as caught:
        rfq_api.rfq_create(full_name="A", email="a@example.com", items=too_many)
    assert "items" in caught.value.message_dict


def test_archived_products_and_inactive_skus_cannot_be_asked_for(api_client, catalog):
    sub1, sub2 = catalog
    sub1.product.status = "archived"
    sub1.product.save()
    sub2.is_active = False
    sub2.save()
    response = post(
        api_client, items=[{"product": sub1.product.slug, "quantity": 1}, {"sku": "SUB-2", "quantity": 1}]
    )
    assert set(errors_of(response)) == {"items.0.product", "items.1.sku"}


def test_numbers_are_sequential_and_the_category_is_derived_or_given(api_client):
    pumps = CategoryFactory(name="Pumps")
    tractors = CategoryFactory(name="Tractors")
    item("CAT-1", category=pumps)
    item("CAT-2", category=pumps)
    item("CAT-3", category=tractors)
    first = post(
        api_client,
        items=[
            {"sku": "CAT-3", "quantity": 1},
            {"sku": "CAT-1", "quantity": 1},
            {"sku": "CAT-2", "quantity": 1},
        ],
    )
    assert first.status_code == 201, first.content
    assert first.json()["product_category"] == {"slug": "pumps", "name": "Pumps"}
    given = post(api_client, items=[{"sku": "CAT-1", "quantity": 1}], product_category="tractors")
    assert given.json()["product_category"]["slug"] == "tractors"
    assert_error(
        post(api_client, product_category="nope"), 400, kind="validation_error", attr="product_category"
    )
    numbers = [first.json()["number"], given.json()["number"]]
    assert all(re.fullmatch(r"RFQ-\d{4}-\d{6}", n) for n in numbers)
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1


def test_the_requester_and_sales_are_emailed_through_the_outbox(api_client, make_user, catalog):
    sales = [make_user("sales"), make_user("sales")]
    make_user("sales", is_active=False)
    response = post(api_client, company="Okafor Farms", requirements="Need <b>pumps</b>")
    rfq = RFQ.objects.get(pk=response.json()["id"])
    confirmation = emails_of("rfq_received").get()
    assert confirmation.to == ["ada@example.com"] and rfq.number in confirmation.subject
    assert "&lt;b&gt;pumps&lt;/b&gt;" in confirmation.body_html  # escaped in HTML
    alert = emails_of("rfq_alert").get()
    assert sorted(alert.to) == sorted(u.email for u in sales)
    assert alert.reply_to == ["ada@example.com"] and "Okafor Farms" in alert.subject
    assert f"/admin/rfq/rfq/{rfq.pk}/change/" in alert.body_text


def test_a_signed_in_customer_is_linked_and_staff_submitting_for_someone_is_not(auth_client, catalog):
    customer = auth_client("customer")
    mine = post(customer, full_name="", email="")
    assert mine.status_code == 201, mine.content
    rfq = RFQ.objects.get(pk=mine.json()["id"])
    assert rfq.customer == customer.user and rfq.email == customer.user.email
    staff = auth_client("sales")
    theirs = post(staff, email="walkin@example.com")
    entered = RFQ.objects.get(pk=theirs.json()["id"])
    assert entered.customer is None and entered.assigned_to == staff.user  # kept in their view
    assert staff.get(f"/api/v1/rfqs/{entered.pk}").status_code == 200


def test_the_public_form_is_throttled_per_ip_with_retry_after(api_client, catalog, settings, auth_client):
    settings.RFQ_THROTTLE_BURST = "2/min"
    assert post(api_client).status_code == 201
    assert post(api_client).status_code == 201
    throttled = post(api_client)
    assert_error(throttled, 429, code="throttled")
    assert int(throttled["Retry-After"]) > 0
    other_ip = api_client.post(
        "/api/v1/rfqs",
        {"full_name": "B", "email": "b@example.com", "items": [{"sku": "SUB-1", "quantity": 1}]},
        format="json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert other_ip.status_code == 201
    assert post(auth_client("sales")).status_code == 201  # staff are not throttled


def test_an_inquiry_conversion_may_have_no_items_and_keeps_the_inquiry_id(make_user):
    inquiry_id = uuid.uuid4()
    actor = make_user("sales")
    rfq = rfq_api.rfq_create(
        full_name="Lead Person",
        email="Lead@Example.com",
        items=[],
        inquiry=inquiry_id,
        actor=actor,
        requirements="From the inquiry message.",
        assigned_to=actor,
    )
    assert rfq.inquiry_id == inquiry_id and rfq.items.count() == 0 and rfq.email == "lead@example.com"
    assert rfq.history.get().reason == "converted from an inquiry"
    assert rfq.assigned_to == actor and actor.has_perm("rfq.view_rfq", rfq)
    assert rfq_api.rfq_for_inquiry(inquiry_id=inquiry_id) == rfq
    with pytest.raises(ValidationError) as caught:
        rfq_api.rfq_create(full_name="X", email="x@example.com", items=[])
    assert caught.value.message_dict == {"items": ["Add at least one item."]}


def test_specifications_must_be_an_object_of_bounded_size(api_client, catalog, settings):
    assert_error(post(api_client, specifications=["a"]), 400, kind="validation_error", attr="specifications")
    settings.RFQ_MAX_SPECIFICATIONS_BYTES = 50
    with pytest.raises(ValidationError) as caught:
        rfq_api.rfq_create(
            full_name="A",
            email="a@example.com",
            items=[{"sku": "SUB-1", "quantity": 1}],
            specifications={"x": "y" * 100},
            phone="call me",
        )
    assert set(caught.value.message_dict) == {"specifications", "phone"}
