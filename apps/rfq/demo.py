"""Demo RFQs: eleven requests across every status (pending — one with a draft quote —, quoted —
one on its second version, one whose quote expired —, won with its order, lost after a declined
quote, lost unquoted, cancelled — one with its quote withdrawn), made through the same services
as real ones, with quotes at a small discount on the demo catalog's prices. Every quote status
is there: draft, sent, accepted, declined, superseded, expired, withdrawn. Seeding again adds
nothing (an RFQ is recognised by its email and requirements)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.accounts.api import User
from apps.catalog.api import Variant
from apps.core.demo_mode import demo_customer_address
from apps.inventory.api import available_by_variant
from apps.orders.api import payments_through

from .models import RFQ, Quote, RFQStatusHistory
from .services import quotes, rfqs

ADDRESS_US = demo_customer_address("jordan@example.com")

DEMO = [
    {
        "plan": "pending",
        "full_name": "Chinedu Eze",
        "email": "chinedu@eze-agro.example",
        "company": "Eze Agro Ventures",
        "country": "NG",
        "phone": "+234 802 555 0101",
        "items": [("AquaFlow Solar Borehole Pump", 4, "Four boreholes, about 60 m head")],
        "budget_range": "NGN 5m – 8m",
        "timeline": "Before the dry season (November)",
        "requirements": "Solar pumping for four boreholes on a 40 ha farm; please include installation.",
        "specifications": {"head_m": 60, "daily_volume_m3": 30},
    },
    {
        "plan": "assigned",
        "full_name": "Grace Mensah",
        "email": "grace@accra-cold.example",
        "company": "Accra Cold Chain Ltd",
        "country": "GH",
        "items": [("VoltMax 60 kVA Diesel Generator", 2, "Standby for two cold rooms")],
        "budget_range": "USD 40k – 50k",
        "timeline": "Q3",
        "requirements": "Standby power for two cold rooms with automatic transfer switches.",
        "specifications": {"load_kw": 42, "ats": True},
    },
    {
        "plan": "quoted",
        "full_name": "Tunde Bakare",
        "email": "tunde@bakare-farms.example",
        "company": "Bakare Farms",
        "country": "NG",
        "items": [("Titan 90 Utility Tractor", 1, ""), ("FurrowPro Disc Plough", 1, "3-disc")],
        "budget_range": "USD 45k – 50k",
        "timeline": "Within 6 weeks",
        "requirements": "A utility tractor with a disc plough for 120 ha of maize.",
    },
    {
        "plan": "quoted_twice",
        "full_name": "Maria Gonzales",
        "email": "maria@valle-verde.example",
        "company": "Valle Verde Orchards",
        "country": "US",
        "items": [("DripLine 1-Hectare Kit", 6, ""), ("AquaFlow Surface Pump", 2, "")],
        "budget_range": "USD 15k",
        "timeline": "Spring planting",
        "requirements": "Drip irrigation for six hectares of young orchard, fed from a surface pond.",
        "specifications": {"hectares": 6, "water_source": "pond"},
    },
    {
        "plan": "won",
        "customer": "jordan@example.com",
        "full_name": "Jordan Miller",
        "email": "jordan@example.com",
        "company": "Miller Build Co",
        "country": "US",
        "items": [("Engine Filter Service Kit", 3, ""), ("Alternator Drive Belt", 4, "")],
        "budget_range": "USD 500",
        "timeline": "This month",
        "requirements": "Service parts for our fleet of three site generators.",
    },
    {
        "plan": "declined",
        "full_name": "Samuel Otieno",
        "email": "samuel@rift-growers.example",
        "company": "Rift Valley Growers",
        "country": "KE",
        "items": [("MistBoom 600 l Sprayer", 2, "")],
        "budget_range": "USD 9k",
        "timeline": "Next season",
        "requirements": "Two boom sprayers for 200 ha of wheat.",
        "decline_reason": "We found a local supplier with a shorter lead time.",
    },
    {
        "plan": "lost",
        "full_name": "Ingrid Holm",
        "email": "ingrid@holm-energi.example",
        "company": "Holm Energi AS",
        "country": "NO",
        "items": [("SunCell 10 kW Hybrid Solar System", 10, "")],
        "budget_range": "",
        "timeline": "2027",
        "requirements": "Ten hybrid solar systems for remote cabins, delivered and installed in Norway.",
        "lost_reason": "Outside our delivery and installation area.",
    },
    {
        "plan": "cancelled",
        "customer": "amaka@example.com",
        "full_name": "Amaka Okafor",
        "email": "amaka@example.com",
        "company": "Okafor Farms Ltd",
        "country": "NG",
        "items": [("SeedRight 4-Row Planter", 1, "")],
        "budget_range": "NGN 10m",
        "timeline": "Next year",
        "requirements": "A 4-row planter for soybeans.",
        "cancel_reason": "The customer postponed the project.",
    },
    {
        "plan": "draft",
        "full_name": "Peter Walsh",
        "email": "peter@walsh-vineyards.example",
        "company": "Walsh Vineyards",
        "country": "US",
        "items": [("RainGun Sprinkler", 12, "Frost protection")],
        "budget_range": "USD 5k",
        "timeline": "Before the spring frosts",
        "requirements": "Overhead sprinklers for frost protection on 8 acres of vines.",
    },
    {
        "plan": "expired",
        "full_name": "Fatima Bello",
        "email": "fatima@sahel-dairy.example",
        "company": "Sahel Dairy Cooperative",
        "country": "NG",
        "items": [("VoltMax 20 kVA Diesel Generator", 1, "For the milk chiller")],
        "budget_range": "USD 10k",
        "timeline": "This quarter",
        "requirements": "Backup power for a 2,000 l milk chiller at the collection centre.",
    },
    {
        "plan": "withdrawn",
        "full_name": "Kofi Asante",
        "email": "kofi@asante-cocoa.example",
        "company": "Asante Cocoa Estates",
        "country": "GH",
        "items": [("Harvester 60 Orchard Tractor", 2, "Narrow rows")],
        "budget_range": "USD 50k",
        "timeline": "After the main crop",
        "requirements": "Two narrow orchard tractors for a cocoa estate replanting programme.",
        "cancel_reason": "The estate's replanting programme was put off a year.",
    },
]


def _variant(product_name: str, *, quantity: int = 0):
    """The product's active variant priced in USD with the most stock (at least ``quantity``)."""
    variants = list(
        Variant.objects.filter(
            product__name=product_name, is_active=True, product__status="active", prices__currency="USD"
        ).select_related("product")
    )
    if not variants:
        return None
    available = available_by_variant(variant_ids=[v.pk for v in variants])
    best = max(variants, key=lambda v: (available.get(v.pk, 0), v.sku))
    return best if available.get(best.pk, 0) >= quantity else None


def _quote(rfq: RFQ, *, actor, discount: str, send: bool = True):
    lines = []
    for item in rfq.items.select_related("variant", "product").order_by("position"):
        variant = item.variant or _variant(item.product.name)
        if variant is None:
            continue
        price = quotes.catalog_prices(variant_ids=[variant.pk], currency="USD").get(variant.pk)
        lines.append(
            {
                "sku": variant.sku,
                "quantity": item.quantity,
                "unit_price": (price * (Decimal(1) - Decimal(discount))).quantize(Decimal("0.01")),
            }
        )
    quote = quotes.quote_create(
        rfq=rfq, currency="USD", lines=lines, notes="Prices include a volume discount.", actor=actor
    )
    if send:
        quote = quotes.quote_send(quote=quote, actor=actor)
    return quote


def _lapse(quote: Quote) -> None:
    """The quote's validity runs out. The demo cannot wait RFQ_QUOTE_VALID_DAYS: the request
    and its quote are dated back until the validity ended yesterday, then the expiry service
    (what the hourly task runs) expires it, as it does every sent quote past its validity."""
    shift = timedelta(days=(quote.valid_until - timezone.now().date()).days + 1)  # as quotes do: UTC
    rfq = RFQ.objects.get(pk=quote.rfq_id)
    RFQ.objects.filter(pk=rfq.pk).update(
        created_at=rfq.created_at - shift, quote_sent_at=rfq.quote_sent_at - shift
    )
    for row in RFQStatusHistory.objects.filter(rfq=rfq):
        RFQStatusHistory.objects.filter(pk=row.pk).update(created_at=row.created_at - shift)
    Quote.objects.filter(pk=quote.pk).update(
        created_at=quote.created_at - shift,
        sent_at=quote.sent_at - shift,
        valid_until=quote.valid_until - shift,
    )
    quotes.quotes_expire()


def seed(*, stdout=None) -> None:
    with payments_through("offline"):  # the accepted quote's order never reaches a real provider
        _seed(stdout=stdout)


def _seed(*, stdout=None) -> None:
    admin = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    sales = User.objects.filter(groups__name="sales", is_active=True).order_by("email").first() or admin
    made = []
    for spec in DEMO:
        if RFQ.objects.filter(email=spec["email"], requirements=spec["requirements"]).exists():
            continue
        needed = spec["plan"] == "won"
        items = []
        for name, quantity, notes in spec["items"]:
            variant = _variant(name, quantity=quantity if needed else 0)
            if variant is None:
                break
            # Some items by SKU, some by product, as the public form allows both.
            items.append(
                {"sku": variant.sku, "quantity": quantity, "notes": notes}
                if len(items) % 2 == 0
                else {"product": variant.product.slug, "quantity": quantity, "notes": notes}
            )
        if len(items) != len(spec["items"]):
            continue  # the demo catalog (or its stock) is not there
        customer = User.objects.filter(email=spec.get("customer")).first() if spec.get("customer") else None
        rfq = rfqs.rfq_create(
            full_name=spec["full_name"],
            email=spec["email"],
            company=spec.get("company", ""),
            country=spec.get("country", ""),
            phone=spec.get("phone", ""),
            items=items,
            customer=customer,
            budget_range=spec.get("budget_range", ""),
            timeline=spec.get("timeline", ""),
            requirements=spec["requirements"],
            specifications=spec.get("specifications"),
        )
        plan = spec["plan"]
        if plan != "pending" and sales is not None:
            rfq = rfqs.rfq_assign(rfq=rfq, assignee=sales, actor=admin)
        if plan in ("quoted", "declined"):
            quote = _quote(rfq, actor=sales, discount="0.05")
            if plan == "declined":
                quotes.quote_decline(quote=quote, reason=spec["decline_reason"])
        elif plan == "quoted_twice":
            _quote(rfq, actor=sales, discount="0.03")
            _quote(rfq, actor=sales, discount="0.08")
        elif plan == "draft":
            _quote(rfq, actor=sales, discount="0.05", send=False)
        elif plan == "expired":
            _lapse(_quote(rfq, actor=sales, discount="0.04"))
        elif plan == "withdrawn":
            _quote(rfq, actor=sales, discount="0.06")
            rfqs.rfq_transition(
                rfq=rfq, target=RFQ.Status.CANCELLED, actor=admin, reason=spec["cancel_reason"]
            )
        elif plan == "won":
            quote = _quote(rfq, actor=sales, discount="0.10")
            quotes.quote_accept(quote=quote, actor=customer, shipping_address=ADDRESS_US)
        elif plan == "lost":
            rfqs.rfq_transition(rfq=rfq, target=RFQ.Status.LOST, actor=sales, reason=spec["lost_reason"])
        elif plan == "cancelled":
            rfqs.rfq_transition(
                rfq=rfq, target=RFQ.Status.CANCELLED, actor=admin, reason=spec["cancel_reason"]
            )
        made.append(rfq.number)
    if stdout:
        stdout.write(f"rfq: {len(made)} demo RFQs ({', '.join(made)})" if made else "rfq: demo RFQs exist")
