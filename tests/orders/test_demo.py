"""Demo orders: Amaka's three orders in different states and Jordan's orders for every way a
payment and an order end (cancelled and refunded, refunded, card declined, wrong amount, paid,
refunded in part), made through the services; seeding twice changes nothing; no real payment
provider is ever asked."""

from collections import Counter
from decimal import Decimal

import pytest

from apps.accounts import demo as accounts_demo
from apps.catalog import demo as catalog_demo
from apps.inventory import demo as inventory_demo
from apps.inventory.models import StockMovement
from apps.inventory.selectors import ledger_differences
from apps.orders import demo as orders_demo
from apps.orders.models import Order, Payment, Refund

pytestmark = pytest.mark.django_db


def test_demo_orders_in_every_payment_outcome_seeded_once():
    for module in (accounts_demo, catalog_demo, inventory_demo, orders_demo):
        module.seed()
    amaka = Order.objects.filter(customer__email="amaka@example.com")
    assert sorted(amaka.values_list("status", flat=True)) == ["paid", "pending_payment", "shipped"]
    jordan = Order.objects.filter(customer__email="jordan@example.com").order_by("sequence")
    assert [(o.status, o.payments.get().status) for o in jordan] == [
        ("cancelled", "refunded"),
        ("refunded", "refunded"),
        ("pending_payment", "failed"),
        ("pending_payment", "needs_review"),
        *[("paid", "succeeded")] * orders_demo.SHIPPED_BY_TRACKING,
        ("paid", "partially_refunded"),
    ]
    assert Counter(Payment.objects.values_list("status", flat=True)) == {
        "succeeded": 8, "refunded": 2, "pending": 1, "failed": 1, "needs_review": 1, "partially_refunded": 1,
    }  # fmt: skip
    flagged = jordan.get(payments__status="needs_review")
    assert flagged.needs_review and "expected" in flagged.review_reason
    # Full refunds put the goods back on the shelf; the partial one is a tenth of the total.
    refunds = {r.payment.order.status: r for r in Refund.objects.select_related("payment__order")}
    assert refunds["cancelled"].amount == refunds["cancelled"].payment.amount_captured
    assert refunds["refunded"].amount == refunds["refunded"].payment.amount_captured
    assert refunds["paid"].amount == (refunds["paid"].payment.amount / 10).quantize(Decimal("0.01"))
    for order in jordan.filter(status__in=["cancelled", "refunded"]):
        assert StockMovement.objects.filter(reference=f"restock:{order.number}").exists()
    orders_demo.seed()
    assert Order.objects.count() == 14 and Refund.objects.count() == 3
    assert all(o.history.exists() and o.lines.exists() for o in Order.objects.all())
    assert ledger_differences() == []


@pytest.mark.parametrize(
    "keys",
    [{"STRIPE_SECRET_KEY": "sk_test_demo"}, {"PAYSTACK_SECRET_KEY": "sk_test_demo"},
     {"STRIPE_SECRET_KEY": "sk_test_demo", "PAYSTACK_SECRET_KEY": "sk_test_demo"}],
    ids=["stripe only", "paystack only", "both"],
)  # fmt: skip
def test_demo_orders_never_depend_on_or_reach_a_real_payment_provider(settings, keys):
    """Whatever provider keys are set (issue 16, item 15: one key alone crashed `make run`), the
    demo places all its orders and pays them through the offline provider; a call to a provider
    would go to a closed port here and fail the seeding."""
    settings.PAYMENTS_OFFLINE = False
    settings.STRIPE_API_BASE = settings.PAYSTACK_API_BASE = "http://127.0.0.1:9"
    for name, value in keys.items():
        setattr(settings, name, value)
    from apps.jobs import demo as jobs_demo
    from apps.rfq import demo as rfq_demo
    from apps.tracking import demo as tracking_demo

    for module in (
        accounts_demo,
        catalog_demo,
        inventory_demo,
        orders_demo,
        tracking_demo,
        jobs_demo,
        rfq_demo,
    ):
        module.seed()
    assert Order.objects.count() == 15  # the orders demo's 14 and the accepted quote's
    assert Payment.objects.filter(subject_type="jobs.job").exists()  # the completed jobs' payments
    assert set(Payment.objects.values_list("provider", flat=True)) == {"offline"}
