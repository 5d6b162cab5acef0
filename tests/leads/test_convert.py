"""Converting an inquiry: a customer account without a usable password (invited to set one) or
the existing account with that email; optionally an RFQ; once only (409)."""

import pytest
from django.contrib.auth import get_user_model

from apps.core.models import ActivityLog
from apps.leads.models import Inquiry
from apps.leads.services import inquiries
from apps.notifications.models import EmailMessage
from apps.rfq.models import RFQ
from tests.helpers import assert_error
from tests.rfq.factories import item

from .factories import InquiryFactory

pytestmark = pytest.mark.django_db


def url(inquiry):
    return f"/api/v1/inquiries/{inquiry.pk}/convert"


@pytest.fixture
def rep(auth_client):
    return auth_client("sales")


@pytest.fixture
def inquiry(rep):
    made = InquiryFactory(
        email="buyer@okafor.example",
        full_name="Amaka Okafor",
        company="Okafor Farms",
        phone="+234 803 555 0142",
        message="Two borehole pumps, 60 m head.",
        metadata={"budget": 650000, "timeline": "Q1"},
    )
    return inquiries.inquiry_assign(inquiry=made, assignee=rep.user, actor=None)


def test_converting_creates_an_invited_customer_without_a_password(
    rep, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rep.post(url(inquiry), {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_created"] is True and body["rfq_id"] is None
    customer = get_user_model().objects.get(pk=body["customer_id"])
    assert customer.email == "buyer@okafor.example" and customer.full_name == "Amaka Okafor"
    assert not customer.has_usable_password()
    assert set(customer.groups.values_list("name", flat=True)) == {"customer"}
    inquiry.refresh_from_db()
    assert inquiry.converted_customer == customer and inquiry.converted_at is not None
    invitation = EmailMessage.objects.filter(to=["buyer@okafor.example"]).exclude(
        template__startswith="inquiry"
    )
    assert invitation.exists(), "the new customer is invited to set a password"
    assert ActivityLog.objects.filter(
        action="inquiry.convert", entity_id=str(inquiry.pk), actor=rep.user
    ).exists()


def test_converting_twice_is_a_409(rep, inquiry):
    assert rep.post(url(inquiry), {}, format="json").status_code == 201
    assert_error(rep.post(url(inquiry), {}, format="json"), 409, code="already_converted")
    assert get_user_model().objects.filter(email="buyer@okafor.example").count() == 1


def test_an_existing_account_is_linked_by_email_case_insensitively(rep, inquiry, make_user):
    existing = make_user("customer", email="buyer@okafor.example")
    Inquiry.objects.filter(pk=inquiry.pk).update(email="Buyer@OKAFOR.example")
    response = rep.post(url(inquiry), {}, format="json")
    assert response.status_code == 201
    assert response.json() == {"customer_id": str(existing.pk), "customer_created": False, "rfq_id": None}
    assert existing.has_usable_password()


def test_converting_can_open_an_rfq_from_the_inquiry(rep, inquiry):
    item("PUMP-60", usd="1200.00")
    response = rep.post(
        url(inquiry), {"create_rfq": True, "items": [{"sku": "PUMP-60", "quantity": 2}]}, format="json"
    )
    assert response.status_code == 201, response.content
    rfq = RFQ.objects.get(pk=response.json()["rfq_id"])
    assert rfq.inquiry_id == inquiry.pk
    assert rfq.email == "buyer@okafor.example" and str(rfq.customer_id) == response.json()["customer_id"]
    assert rfq.items.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.rfq_id == rfq.pk


def test_an_rfq_without_items_takes_the_message_as_requirement(rep, inquiry):
    response = rep.post(url(inquiry), {"create_rfq": True}, format="json")
    assert response.status_code == 201, response.content
    rfq = RFQ.objects.get(pk=response.json()["rfq_id"])
    assert rfq.requirements == "Two borehole pumps, 60 m head."


def test_a_bad_rfq_item_converts_nothing(rep, inquiry):
    response = rep.post(
        url(inquiry), {"create_rfq": True, "items": [{"sku": "NOPE", "quantity": 1}]}, format="json"
    )
    assert_error(response, 400, kind="validation_error")
    inquiry.refresh_from_db()
    assert inquiry.converted_at is None
    assert not get_user_model().objects.filter(email="buyer@okafor.example").exists()
    assert not RFQ.objects.exists()


def test_who_may_convert(auth_client, rep, inquiry):
    assert_error(auth_client("support").post(url(inquiry), {}, format="json"), 403)
    assert_error(auth_client("customer").post(url(inquiry), {}, format="json"), 403)
    assert_error(auth_client("sales").post(url(inquiry), {}, format="json"), 404)  # not theirs
    assert auth_client("admin").post(url(inquiry), {}, format="json").status_code == 201
