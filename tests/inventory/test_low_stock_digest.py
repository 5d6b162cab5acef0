"""The hourly low-stock digest: one email per logistics user listing what went low since the
last digest; nothing twice while it stays low; listed again after it recovered and fell."""

import pytest

from apps.core.services import site_settings_update
from apps.inventory import services
from apps.inventory.tasks import send_low_stock_digest
from tests.catalog.factories import VariantFactory

from .factories import WarehouseFactory, stocked

pytestmark = pytest.mark.django_db


def run_digest(capture):
    with capture(execute=True):
        return send_low_stock_digest.delay().get()


def test_one_digest_per_logistics_user_and_each_low_level_once(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    site_settings_update(actor=None, data={"low_stock_threshold": 3})
    make_user("logistics", email="lou@example.com")
    make_user("logistics", email="lee@example.com")
    make_user("sales", email="sam@example.com")
    warehouse = WarehouseFactory(code="main")
    low_a, low_b, fine = VariantFactory(sku="LOW-A"), VariantFactory(sku="LOW-B"), VariantFactory(sku="FINE")
    stocked(low_a, warehouse, on_hand=2)
    stocked(low_b, warehouse, on_hand=3)
    stocked(fine, warehouse, on_hand=40)

    assert run_digest(django_capture_on_commit_callbacks) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["lee@example.com", "lou@example.com"]
    body = mailoutbox[0].body
    assert "LOW-A" in body and "LOW-B" in body and "FINE" not in body

    mailoutbox.clear()
    assert run_digest(django_capture_on_commit_callbacks) == 0  # still low: not again
    assert mailoutbox == []

    services.stock_adjust(variant=low_a, warehouse=warehouse, quantity_delta=10, reason="received")
    assert run_digest(django_capture_on_commit_callbacks) == 0  # recovered
    services.stock_adjust(variant=low_a, warehouse=warehouse, quantity_delta=-11, reason="damaged")
    assert run_digest(django_capture_on_commit_callbacks) == 1  # low again: listed again
    assert all("LOW-A" in m.body and "LOW-B" not in m.body for m in mailoutbox)


def test_with_no_logistics_user_the_low_levels_wait_for_the_next_digest(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    site_settings_update(actor=None, data={"low_stock_threshold": 3})
    stocked(VariantFactory(sku="WAIT-1"), WarehouseFactory(code="main"), on_hand=1)
    assert run_digest(django_capture_on_commit_callbacks) == 0 and mailoutbox == []
    make_user("logistics", email="new@example.com")
    assert run_digest(django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mailoutbox] == [["new@example.com"]] and "WAIT-1" in mailoutbox[0].body
