"""GDPR: a person's RFQs (by account or by the email they used) are in their export, and are
anonymised on erasure while the RFQs, quotes and orders stay."""

import pytest

from apps.core.models import ActivityLog
from apps.rfq.models import RFQ
from apps.rfq.services import rfqs

from .factories import item, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


def test_export_lists_the_persons_rfqs_and_sent_quotes(auth_client):
    item("GDPR-1")
    client = auth_client("customer", email="gina@example.com")
    by_account = rfq_make(skus=("GDPR-1",), customer=client.user, phone="+44 20 7946 0000")
    as_guest = rfq_make(skus=("GDPR-1",), email="Gina@Example.com")
    sent_quote(by_account)
    rfq_make(skus=("GDPR-1",), email="someone@example.com")
    response = client.get("/api/v1/auth/me/export")
    assert response.status_code == 200
    exported = response.json()["rfqs"]
    assert [r["number"] for r in exported] == [by_account.number, as_guest.number]
    assert (
        exported[0]["phone"] == "+44 20 7946 0000" and exported[0]["quotes"][0]["lines"][0]["sku"] == "GDPR-1"
    )


def test_erasure_anonymises_the_rfqs_and_keeps_them(auth_client, make_user):
    item("GDPR-2")
    client = auth_client("customer", email="erin@example.com")
    admin = make_user("admin")
    rfq = rfq_make(
        skus=("GDPR-2",),
        customer=client.user,
        requirements="Call me at home",
        specifications={"site": "my farm"},
        full_name="Erin Example",
    )
    rfqs.rfq_update(rfq=rfq, data={"notes": "n"}, actor=admin)
    ActivityLog.objects.create(
        action="update",
        entity_type="rfq.rfq",
        entity_id=str(rfq.pk),
        after={"email": "erin@example.com", "status": "pending"},
    )
    quote = sent_quote(rfq)
    assert client.delete("/api/v1/auth/me").status_code == 204
    rfq.refresh_from_db()
    assert rfq.full_name == "(erased)" and rfq.email.endswith("@erased.invalid")
    assert (rfq.company, rfq.phone, rfq.requirements, rfq.specifications) == ("", "", "", {})
    assert rfq.erased_at is not None and RFQ.objects.filter(pk=rfq.pk).exists()
    assert rfq.quotes.get() == quote and rfq.items.count() == 1
    logged = ActivityLog.objects.filter(entity_id=str(rfq.pk), after__status="pending").get()
    assert "email" not in logged.after
