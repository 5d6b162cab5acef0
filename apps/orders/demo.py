"""Demo orders, placed and moved through the same services as real ones: checkout, the payment
provider's events (``services.payment_events``, what the webhooks call), cancellation, refunds
and staff transitions. Seeding twice changes nothing (a demo customer with orders is skipped).

Amaka Okafor: three orders, paid, shipped (marked by hand: the tracking demo gives it the
shipment it lacks) and awaiting payment.

Jordan Miller (USD): an order for each way a payment and an order end, in this order —
cancelled by the customer after paying (refunded in full, restocked), refunded in full by
finance, a declined card (payment ``failed``), a provider reporting the wrong amount (payment
``needs_review``, order flagged), then ``SHIPPED_BY_TRACKING`` paid orders that the tracking demo
ships (oldest first), and last a paid order refunded in part, still to pack.

The demo never reaches a real payment provider: it is seeded inside
``payments_through("offline")``, whatever provider keys are configured.
"""

from decimal import Decimal

from django.conf import settings

from apps.accounts.api import User
from apps.catalog.api import Variant
from apps.core.demo_mode import demo_customer_address
from apps.inventory.api import available_by_variant

from .models import Order, Payment
from .payments import payments_through
from .pricing import money_round
from .services import carts, checkout, payment_events, refunds, status

AMAKA, JORDAN = "amaka@example.com", "jordan@example.com"
ADDRESS = demo_customer_address(AMAKA)
ADDRESS_US = {
    "name": "Dale Rivers",
    "line1": "2100 E 6th St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78702",
    "country": "US",
}
ADDRESS_JORDAN = demo_customer_address(JORDAN)
PLAN = [("paid", 2), ("shipped", 1), ("pending_payment", 3)]
SHIPPED_BY_TRACKING = 6  # how many of Jordan's paid orders the tracking demo ships
# (what happens to the order, how many lines), placed in this order.
PLAN_JORDAN = [
    ("cancelled", 1),
    ("refunded", 2),
    ("payment_failed", 1),
    ("needs_review", 1),
    *[("paid", 1 + index % 2) for index in range(SHIPPED_BY_TRACKING)],
    ("partially_refunded", 2),
]


def seed(*, stdout=None) -> None:
    with payments_through(Payment.Provider.OFFLINE):  # demo data never reaches a real provider
        _seed(stdout=stdout)


def _seed(*, stdout=None) -> None:
    staff = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    finance = User.objects.filter(groups__name="finance", is_active=True).order_by("email").first() or staff
    variants = list(
        Variant.objects.filter(is_active=True, product__status="active", prices__currency="USD").order_by(
            "sku"
        )[:40]
    )
    available = available_by_variant(variant_ids=[v.pk for v in variants])
    stocked = [v for v in variants if available.get(v.pk, 0) >= 5]
    made = []
    amaka = User.objects.filter(email=AMAKA, is_active=True).first()
    if stocked and amaka is not None and not Order.objects.filter(customer=amaka).exists():
        for index, (target, lines) in enumerate(PLAN):
            chosen = stocked[index * 3 : index * 3 + lines]
            address = ADDRESS_US if index == 1 else ADDRESS
            order, payment = _place(amaka, chosen, quantity=1 + index % 2, address=address)
            if target in ("paid", "shipped"):
                order = _pay(payment)
            if target == "shipped":
                for step in ("fulfilling", "shipped"):
                    order = status.order_transition(order=order, target=step, actor=staff, reason="demo")
            made.append(order.number)
    jordan = User.objects.filter(email=JORDAN, is_active=True).first()
    if stocked and jordan is not None and not Order.objects.filter(customer=jordan).exists():
        first = len(PLAN) * 3  # after Amaka's variants
        for index, (outcome, lines) in enumerate(PLAN_JORDAN):
            chosen = [stocked[(first + index * 2 + n) % len(stocked)] for n in range(lines)]
            order, payment = _place(jordan, chosen, quantity=1, address=ADDRESS_JORDAN)
            order = _settle(order, payment, outcome, actor=finance)
            made.append(order.number)
    if stdout:
        made_text = f"{len(made)} demo orders ({', '.join(made)})" if made else "demo orders exist"
        stdout.write(f"orders: {made_text}")


def _place(customer, variants, *, quantity: int, address: dict):
    cart = carts.cart_create(currency="USD", owner=customer)
    for variant in variants:
        carts.cart_item_add(cart_id=cart.pk, user=customer, token=None, sku=variant.sku, quantity=quantity)
    result = checkout.checkout_place(
        cart=cart,
        email=customer.email,
        shipping_address=address,
        billing_address=None,
        customer=customer,
    )
    return result.order, result.payment


def _pay(payment: Payment, *, amount: Decimal | None = None) -> Order:
    """What the provider's ``payment_intent.succeeded`` webhook does."""
    payment_events.payment_succeeded(
        providers=(payment.provider,),
        reference=payment.reference,
        amount=payment.amount if amount is None else amount,
        currency=payment.currency,
        source="demo",
    )
    return Order.objects.get(pk=payment.order_id)


def _settle(order: Order, payment: Payment, outcome: str, *, actor) -> Order:
    """Take a just-placed order of Jordan's to ``outcome``."""
    if outcome == "payment_failed":  # what ``payment_intent.payment_failed`` does
        payment_events.payment_failed(
            providers=(payment.provider,),
            reference=payment.reference,
            message="Your card was declined. (demo)",
        )
        return order
    if outcome == "needs_review":  # the provider took another amount: staff must look
        return _pay(payment, amount=payment.amount - Decimal("1.00"))
    order = _pay(payment)
    if outcome == "cancelled":
        return status.order_cancel(
            order=order, actor=order.customer, reason="Ordered twice by mistake.", by_customer=True
        )
    if outcome == "refunded":
        refunds.refund_create(
            payment=payment,
            amount=payment.amount,
            reason="The customer changed their mind before packing; goods back on the shelf.",
            restock=True,
            actor=actor,
        )
    elif outcome == "partially_refunded":
        refunds.refund_create(
            payment=payment,
            amount=money_round(payment.amount * Decimal("0.10"), payment.currency),
            reason="Price match: 10% back.",
            actor=actor,
        )
    return Order.objects.get(pk=order.pk)
