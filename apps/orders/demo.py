"""Demo orders: three orders of the demo customer in different states (paid, shipped and
awaiting payment), placed and moved through the same services as real ones."""

from django.conf import settings

from apps.accounts.models import User
from apps.catalog.models import Variant
from apps.inventory.api import available_by_variant

from .models import Order
from .services import carts, checkout, status
from .services.payment_events import payment_succeeded

ADDRESS = {
    "name": "Amaka Okafor",
    "company": "Okafor Farms Ltd",
    "line1": "14 Admiralty Way",
    "line2": "Lekki Phase 1",
    "city": "Lagos",
    "region": "Lagos",
    "postal_code": "106104",
    "country": "NG",
    "phone": "+234 803 555 0142",
}
ADDRESS_US = {
    "name": "Dale Rivers",
    "line1": "2100 E 6th St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78702",
    "country": "US",
}
PLAN = [("paid", 2), ("shipped", 1), ("pending_payment", 3)]


def seed(*, stdout=None) -> None:
    customer = User.objects.filter(groups__name="customer", is_active=True).order_by("email").first()
    staff = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    if customer is None or Order.objects.filter(customer=customer).exists():
        return
    variants = list(
        Variant.objects.filter(is_active=True, product__status="active", prices__currency="USD").order_by(
            "sku"
        )[:40]
    )
    available = available_by_variant([v.pk for v in variants])
    stocked = [v for v in variants if available.get(v.pk, 0) >= 5]
    made = []
    for index, (target, lines) in enumerate(PLAN):
        cart = carts.cart_create(currency="USD", owner=customer)
        for variant in stocked[index * 3 : index * 3 + lines]:
            carts.cart_item_add(
                cart_id=cart.pk, user=customer, token=None, sku=variant.sku, quantity=1 + index % 2
            )
        if not cart.items.exists():
            continue
        result = checkout.checkout_place(
            cart=cart,
            email=customer.email,
            shipping_address=ADDRESS_US if index == 1 else ADDRESS,
            billing_address=None,
            customer=customer,
        )
        order, payment = result.order, result.payment
        if target in ("paid", "shipped"):
            payment_succeeded(
                providers=(payment.provider,),
                reference=payment.reference,
                amount=payment.amount,
                currency=payment.currency,
                source="demo",
            )
            order.refresh_from_db()
        if target == "shipped":
            for step in ("fulfilling", "shipped"):
                order = status.order_transition(order=order, target=step, actor=staff, reason="demo")
        made.append(order.number)
    if stdout:
        stdout.write(f"orders: {len(made)} demo orders ({', '.join(made)})")
