"""Text with a NUL character (U+0000), which PostgreSQL cannot store in text or jsonb (a 500
there): refused with 400 on the field that holds it, whether it comes through the API, the
Python API other apps call, or a staff change — and nothing is stored."""

import pytest
from django.core.exceptions import ValidationError

from apps.rfq import api as rfq_api
from apps.rfq.models import RFQ
from apps.rfq.services import rfqs
from tests.helpers import assert_error

from .factories import item, rfq_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return item("NUL-1")


def submit(client, **body):
    data = {"full_name": "Ada Buyer", "email": "ada@example.com", "items": [{"sku": "NUL-1", "quantity": 1}]}
    data.update(body)
    return client.post("/api/v1/rfqs", data, format="json")


@pytest.mark.parametrize(
    "specifications",
    [{"voltage": "220\x00"}, {"volt\x00age": "220"}, {"sizes": ["a", {"b": "c\x00"}]}],
    ids=["value", "key", "nested"],
)
def test_specifications_with_a_nul_character_are_refused_on_specifications(
    api_client, catalog, specifications
):
    response = submit(api_client, specifications=specifications)
    assert_error(response, 400, kind="validation_error", attr="specifications")
    assert not RFQ.objects.exists()


@pytest.mark.parametrize(
    "field", ["full_name", "company", "requirements", "budget_range", "timeline", "phone"]
)
def test_text_fields_with_a_nul_character_are_refused_by_the_api(api_client, catalog, field):
    response = submit(api_client, **{field: "x\x00y"})
    assert_error(response, 400, kind="validation_error", attr=field)
    assert not RFQ.objects.exists()


def test_the_python_api_refuses_nul_characters_in_every_text_input(catalog):
    with pytest.raises(ValidationError) as error:
        rfq_api.rfq_create(
            full_name="Ada\x00",
            email="ada@example.com",
            company="Buyer\x00 Ltd",
            requirements="pumps\x00",
            specifications={"k": "v\x00"},
            product_category="pumps\x00",
            items=[
                {"sku": "NUL-1", "quantity": 1, "notes": "blue\x00"},
                {"sku": "NUL\x00-1", "quantity": 1},
                {"product": "pump\x00", "quantity": 1},
            ],
        )
    errors = error.value.error_dict
    for attr in (
        "full_name",
        "company",
        "requirements",
        "specifications",
        "product_category",
        "items.0.notes",
        "items.1.sku",
        "items.2.product",
    ):
        assert attr in errors, sorted(errors)
        assert errors[attr][0].code == "null_characters_not_allowed"
    assert not RFQ.objects.exists()


def test_staff_notes_and_status_reasons_with_a_nul_character_are_refused(catalog, auth_client):
    rfq = rfq_make(skus=("NUL-1",))
    admin = auth_client("admin")
    response = admin.patch(f"/api/v1/rfqs/{rfq.pk}", {"notes": "call\x00back"}, format="json")
    assert_error(response, 400, kind="validation_error", attr="notes")
    with pytest.raises(ValidationError) as error:
        rfqs.rfq_update(rfq=rfq, data={"notes": "x\x00"}, actor=admin.user)
    assert "notes" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        rfqs.rfq_update(rfq=rfq, data={"status": "cancelled", "reason": "dup\x00"}, actor=admin.user)
    assert "reason" in error.value.message_dict
    rfq.refresh_from_db()
    assert (rfq.notes, rfq.status) == ("", "pending")
