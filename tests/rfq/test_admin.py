"""The RFQ back office: a quote built from the admin alone (SKU lines, catalog prices filled in
when left blank, totals by the service, "send" action), RFQ assignment through the service
(object permissions), status actions, row-level visibility for sales, and the activity log."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from apps.core.models import ActivityLog
from apps.rfq.models import RFQ, Quote
from tests.catalog.factories import PriceFactory

from .factories import emails_of, item, rfq_make, sent_quote

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """The values a browser would submit for the admin's main form, as rendered."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] else data


def form_values(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    parser = _FormValues()
    parser.feed(response.content.decode())
    parser.data.pop("action", None)
    parser.data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in parser.data.items() if "__prefix__" not in k}


@pytest.fixture
def staff(client, make_user):
    user = make_user("admin")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def catalog():
    pump = item("ADM-PUMP", usd="120.00", on_hand=10)
    PriceFactory(variant=pump, currency="NGN", amount=Decimal("180000.00"))
    return pump, item("ADM-BELT", usd="15.50", on_hand=10)


def test_a_quote_is_built_priced_and_sent_from_the_admin_alone(staff, catalog):
    pump, belt = catalog
    rfq = rfq_make(skus=("ADM-PUMP", "ADM-BELT"))
    add_url = reverse("admin:rfq_quote_add")
    data = form_values(staff, f"{add_url}?rfq={rfq.pk}")
    assert data["rfq"] == str(rfq.pk)
    data.update(
        {
            "currency": "usd",
            "valid_until": str(timezone.now().date() + timedelta(days=7)),
            "notes": "Delivered to Lagos.",
            "lines-TOTAL_FORMS": "2",
            "lines-0-variant": str(pump.pk),
            "lines-0-quantity": "2",
            "lines-0-unit_price": "",
            "lines-1-variant": str(belt.pk),
            "lines-1-quantity": "3",
            "lines-1-unit_price": "12.00",
            "lines-1-description": "Spare belt",
        }
    )
    response = staff.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get(rfq=rfq)
    assert (quote.version, quote.status, quote.currency, quote.created_by) == (1, "draft", "USD", staff.user)
    lines = {line.sku: line for line in quote.lines.all()}
    assert lines["ADM-PUMP"].unit_price == Decimal("120.00")  # blank: the catalog price
    assert lines["ADM-PUMP"].description.endswith(pump.name)
    assert (lines["ADM-BELT"].unit_price, lines["ADM-BELT"].description) == (Decimal("12.00"), "Spare belt")
    assert quote.subtotal == Decimal("276.00") and quote.total == quote.subtotal + quote.shipping + quote.tax
    assert ActivityLog.objects.filter(action="create", entity_id=str(quote.pk), actor=staff.user).exists()

    change_url = reverse("admin:rfq_quote_change", args=[quote.pk])
    data = form_values(staff, change_url)
    data["lines-0-quantity"] = "4"
    assert staff.post(change_url, data).status_code == 302
    quote.refresh_from_db()
    assert quote.subtotal == Decimal("516.00")
    assert ActivityLog.objects.filter(action="update_related", entity_id=str(quote.pk)).exists()

    response = staff.post(
        reverse("admin:rfq_quote_changelist"),
        {"action": "send_quote", "_selected_action": [quote.pk]},
        follow=True,
    )
    assert b"Sent 1 quote" in response.content
    quote.refresh_from_db()
    rfq.refresh_from_db()
    assert quote.status == "sent" and rfq.status == "quoted"
    assert "516.00 USD" in emails_of("quote_sent").get().body_text
    assert ActivityLog.objects.filter(action="send", entity_id=str(quote.pk)).exists()
    # Sent: frozen — the page no longer offers line fields.
    assert "lines-0-quantity" not in form_values(staff, change_url)


def test_a_blank_price_without_a_catalog_price_in_the_currency_is_an_error(staff, catalog):
    rfq = rfq_make(skus=("ADM-BELT",))
    add_url = reverse("admin:rfq_quote_add")
    data = form_values(staff, add_url)
    data.update(
        {
            "rfq": str(rfq.pk),
            "currency": "NGN",
            "valid_until": str(timezone.now().date()),
            "lines-TOTAL_FORMS": "1",
            "lines-0-variant": str(catalog[1].pk),
            "lines-0-quantity": "1",
        }
    )
    response = staff.post(add_url, data)
    assert response.status_code == 200 and b"No catalog price in NGN" in response.content
    assert not Quote.objects.exists()


def test_catalog_price_lookup_for_the_builder_script(staff, catalog):
    url = reverse("admin:rfq_quote_catalog_price")
    data = staff.get(url, {"variant": str(catalog[0].pk), "currency": "ngn"}).json()
    assert data == {
        "sku": "ADM-PUMP",
        "description": data["description"],
        "currency": "NGN",
        "unit_price": "180000.00",
    }
    assert staff.get(url, {"variant": str(catalog[1].pk), "currency": "NGN"}).json()["unit_price"] is None
    assert staff.get(url, {"variant": "not-a-uuid", "currency": "USD"}).status_code == 404


def test_a_new_quote_version_from_the_admin_supersedes_the_sent_one(staff, catalog):
    rfq = rfq_make(skus=("ADM-PUMP",))
    first = sent_quote(rfq)
    add_url = reverse("admin:rfq_quote_add")
    data = form_values(staff, f"{add_url}?rfq={rfq.pk}")
    data.update(
        {
            "currency": "USD",
            "valid_until": str(timezone.now().date() + timedelta(days=3)),
            "lines-TOTAL_FORMS": "1",
            "lines-0-variant": str(catalog[0].pk),
            "lines-0-quantity": "1",
        }
    )
    assert staff.post(add_url, data).status_code == 302
    first.refresh_from_db()
    assert first.status == "superseded" and rfq.quotes.get(version=2).status == "draft"
    RFQ.objects.filter(pk=rfq.pk).update(status="lost")
    data["valid_until"] = str(timezone.now().date() - timedelta(days=1))
    response = staff.post(add_url, data)
    assert response.status_code == 200
    assert b"no more quotes" in response.content and b"Must be today or later" in response.content


def test_assigning_in_the_admin_grants_object_permissions_and_sales_see_only_theirs(
    client, make_user, catalog
):
    admin_user = make_user("admin")
    sales_a, sales_b = make_user("sales"), make_user("sales")
    mine = rfq_make(skus=("ADM-PUMP",))
    other = rfq_make(skus=("ADM-PUMP",), assigned_to=sales_b)
    client.force_login(admin_user)
    url = reverse("admin:rfq_rfq_change", args=[mine.pk])
    data = form_values(client, url)
    data.update({"assigned_to": str(sales_a.pk), "notes": "Hot lead"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    mine.refresh_from_db()
    assert mine.assigned_to == sales_a and mine.notes == "Hot lead"
    assert set(get_perms(sales_a, mine)) == {"view_rfq", "change_rfq"}
    assert ActivityLog.objects.filter(action="assign", entity_id=str(mine.pk)).exists()
    assert ActivityLog.objects.filter(action="update", entity_id=str(mine.pk), actor=admin_user).exists()

    client.force_login(sales_a)
    listing = client.get(reverse("admin:rfq_rfq_changelist"))
    assert mine.number.encode() in listing.content and other.number.encode() not in listing.content
    assert client.get(reverse("admin:rfq_rfq_change", args=[other.pk])).status_code == 302  # not found
    quotes_page = client.get(reverse("admin:rfq_quote_changelist"))
    assert quotes_page.status_code == 200


def test_status_actions_go_through_the_state_machine(staff, catalog):
    pending = rfq_make(skus=("ADM-PUMP",))
    won = rfq_make(skus=("ADM-PUMP",))
    RFQ.objects.filter(pk=won.pk).update(status="won")
    response = staff.post(
        reverse("admin:rfq_rfq_changelist"),
        {"action": "mark_lost", "_selected_action": [pending.pk, won.pk]},
        follow=True,
    )
    assert b"Marked lost 1 RFQ" in response.content and b"Cannot go from" in response.content
    pending.refresh_from_db()
    assert pending.status == "lost" and pending.history.last().actor == staff.user


def test_an_rfq_entered_in_the_admin_is_numbered_and_its_items_labelled(client, make_user, catalog):
    sales = make_user("sales")
    client.force_login(sales)
    add_url = reverse("admin:rfq_rfq_add")
    data = form_values(client, add_url)
    data.update(
        {
            "full_name": "Walk In",
            "email": "walkin@example.com",
            "country": "gh",
            "items-TOTAL_FORMS": "1",
            "items-0-variant": str(catalog[0].pk),
            "items-0-quantity": "2",
        }
    )
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rfq = RFQ.objects.get(email="walkin@example.com")
    assert rfq.number.startswith("RFQ-") and rfq.country == "GH" and rfq.status == "pending"
    entry = rfq.items.get()
    assert (entry.sku, entry.product_id) == ("ADM-PUMP", catalog[0].product_id)
    assert rfq.history.get().reason == "entered in the admin"
    # A sales user without the model-wide view permission keeps what they entered.
    assert rfq.assigned_to == sales and "view_rfq" in get_perms(sales, rfq)


def _quote_form(staff, rfq, **fields):
    add_url = reverse("admin:rfq_quote_add")
    data = form_values(staff, f"{add_url}?rfq={rfq.pk}")
    data.update(
        {
            "currency": "USD",
            "valid_until": str(timezone.now().date() + timedelta(days=7)),
            "lines-TOTAL_FORMS": "1",
            **fields,
        }
    )
    return add_url, data


def test_a_line_total_too_large_for_a_quote_is_an_error_on_its_quantity_in_the_builder(staff, catalog):
    rfq = rfq_make(skus=("ADM-PUMP",))
    add_url, data = _quote_form(
        staff,
        rfq,
        **{
            "lines-0-variant": str(catalog[0].pk),
            "lines-0-quantity": "1000000",
            "lines-0-unit_price": "9999999999.99",
        },
    )
    response = staff.post(add_url, data)
    assert response.status_code == 200, response.status_code
    assert b"more than a quote can hold" in response.content
    assert not Quote.objects.exists()
    assert staff.get(reverse("admin:rfq_rfq_change", args=[rfq.pk])).status_code == 200


def test_a_quote_total_too_large_is_an_error_in_the_builder(staff, catalog):
    rfq = rfq_make(skus=("ADM-PUMP",))
    add_url, data = _quote_form(
        staff,
        rfq,
        **{
            "lines-TOTAL_FORMS": "2",
            "lines-0-variant": str(catalog[0].pk),
            "lines-0-quantity": "1",
            "lines-0-unit_price": "6000000000.00",
            "lines-1-variant": str(catalog[1].pk),
            "lines-1-quantity": "1",
            "lines-1-unit_price": "6000000000.00",
        },
    )
    response = staff.post(add_url, data)
    assert response.status_code == 200 and b"more than a quote can hold" in response.content
    assert not Quote.objects.exists()


def test_an_unknown_currency_is_an_error_in_the_builder(staff, catalog):
    rfq = rfq_make(skus=("ADM-PUMP",))
    add_url, data = _quote_form(
        staff,
        rfq,
        currency="zzz",
        **{"lines-0-variant": str(catalog[0].pk), "lines-0-quantity": "1", "lines-0-unit_price": "1"},
    )
    response = staff.post(add_url, data)
    assert response.status_code == 200 and b"not an ISO 4217 currency" in response.content
    assert not Quote.objects.exists()


def test_specifications_with_a_nul_character_are_an_error_in_the_rfq_admin(staff, catalog):
    rfq = rfq_make(skus=("ADM-PUMP",))
    url = reverse("admin:rfq_rfq_change", args=[rfq.pk])
    data = form_values(staff, url)
    data["specifications"] = '{"voltage": "220\\u0000"}'
    response = staff.post(url, data)
    assert response.status_code == 200 and b"Null characters are not allowed" in response.content
    rfq.refresh_from_db()
    assert rfq.specifications == {}
