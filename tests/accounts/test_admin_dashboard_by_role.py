"""The admin index's dashboard shows revenue and payment figures to the finance and admin roles
(and superusers) only; every other staff role sees the activity figures without any money."""

import re

import pytest
from django.test import Client

from apps.core.roles import ADMIN, CONTENT, FINANCE, LOGISTICS, SALES, SUPPORT

pytestmark = pytest.mark.django_db

MONEY_ROLES = [FINANCE, ADMIN]
OTHER_STAFF_ROLES = [SALES, SUPPORT, LOGISTICS, CONTENT]


@pytest.fixture
def revenue():
    from tests.tracking.factories import paid_order

    order = paid_order({"TRK-A": 7})  # 70.00 + shipping: a figure found nowhere else on the page
    return f"{order.total} {order.currency}"


def dashboard_of(user):
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard"' in html
    return response, html


def headers(html) -> list[str]:
    table = html[html.index('id="dashboard"') :]
    return re.findall(r"<th>([^<]+)</th>", table[: table.index("</thead>")])


@pytest.mark.parametrize("role", MONEY_ROLES)
def test_finance_and_admin_see_revenue_and_payments(make_user, revenue, role):
    response, html = dashboard_of(make_user(role))
    assert revenue in html
    assert {"Paid", "Revenue"} <= set(headers(html))
    assert "Finance →" in html


def test_a_superuser_sees_revenue_and_payments(make_user, revenue):
    _, html = dashboard_of(make_user("customer", is_superuser=True, is_staff=True))
    assert revenue in html
    assert {"Paid", "Revenue"} <= set(headers(html))


@pytest.mark.parametrize("role", OTHER_STAFF_ROLES)
def test_other_staff_roles_see_no_money(make_user, revenue, role):
    response, html = dashboard_of(make_user(role))
    assert revenue not in html
    amount = revenue.split()[0]
    assert amount not in html
    shown = headers(html)
    assert "Revenue" not in shown and "Paid" not in shown
    assert {"Inquiries", "RFQs", "Orders"} <= set(shown)  # their activity figures stay
    assert "Finance →" not in html
    # Not only hidden by the template: the figures are not in the page's context at all.
    figures = response.context["dashboard"]
    for part in (figures["current"], figures["previous"], figures["change_percent"], *figures["daily"]):
        assert "revenue" not in part and "orders_paid" not in part
