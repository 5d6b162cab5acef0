"""Scaled leads data for the benchmark (``tests/bench/leads.py``): 20 active scoring rules of
every type, N open inquiries (default 100,000; new or in progress) plus some resolved/closed
ones, all scored with those rules, in bulk; and a plain sales user (bench-sales@example.com)
with ~300 inquiries assigned through the real assignment service (so the object permissions
exist exactly as in production), next to a few other sales users holding larger shares.

manage.py seed_bench_leads --inquiries 100000 --password '...'

Meant for a fresh benchmark database: it does nothing when the bench sales user exists.
"""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from apps.accounts.api import user_create
from apps.core.roles import SALES
from apps.leads.models import Inquiry, LeadScoringRule
from apps.leads.scoring import inquiry_facts, score
from apps.leads.services import inquiries, rules

BENCH_SALES_EMAIL = "bench-sales@example.com"
RULE_PREFIX = "Bench: "
# The rule the benchmark changes before timing a rescoring (it matches most inquiries).
QUOTE_RULE = f"{RULE_PREFIX}asks for a quote"

# (name, rule_type, condition, score_value)
RULES = [
    ("core West Africa", "country", {"field": "country", "in": ["NG", "GH", "CI", "SN"]}, 15),
    ("East Africa", "country", {"field": "country", "in": ["KE", "TZ", "UG", "RW", "ET"]}, 10),
    ("export markets", "country", {"field": "country", "in": ["US", "GB", "DE", "FR", "NL"]}, 8),
    ("outside the regions served", "country", {"field": "country", "not_in": ["NG", "GH", "KE", "ZA"]}, -3),
    ("government buyer", "org_type", {"field": "metadata.org_type", "eq": "government"}, 20),
    ("NGO or cooperative", "org_type", {"field": "metadata.org_type", "in": ["ngo", "cooperative"]}, 10),
    ("individual", "org_type", {"field": "metadata.org_type", "eq": "individual"}, -5),
    ("large budget", "budget", {"field": "metadata.budget", "gte": 500000}, 25),
    ("medium budget", "budget", {"field": "metadata.budget", "gte": 100000, "lt": 500000}, 15),
    ("small budget", "budget", {"field": "metadata.budget", "lt": 10000}, -10),
    ("tractors", "product", {"field": "metadata.products", "contains": "tractor"}, 10),
    ("water", "product", {"field": "metadata.products", "contains_any": ["pump", "irrigation-kit"]}, 8),
    ("power", "product", {"field": "metadata.products", "in": ["generator", "solar-system"]}, 5),
    ("urgent or tender", "keyword", {"field": "message", "contains_any": ["urgent", "tender", "asap"]}, 15),
    ("asks for a quote", "keyword", {"field": "message", "contains": "quote"}, 5),
    ("student or research", "keyword", {"field": "message", "contains_any": ["student", "research"]}, -10),
    ("free mail domain", "keyword", {"field": "email_domain", "in": ["gmail.com", "yahoo.com"]}, -5),
    ("sales inquiry", "keyword", {"field": "inquiry_type", "eq": "sales"}, 10),
    ("registered company", "keyword", {"field": "company", "contains_any": ["ltd", "plc", "inc"]}, 5),
    ("soon", "keyword", {"field": "metadata.timeline", "in": ["immediate", "1 month"]}, 10),
]

FIRST = ["Ada", "Chinedu", "Amina", "Kwame", "Fatima", "John", "Grace", "Tunde", "Mary", "Samuel", "Zainab"]
LAST = ["Okafor", "Mensah", "Bello", "Smith", "Ndlovu", "Adeyemi", "Kamau", "Osei", "Brown", "Diallo"]
COMPANY = ["Agro", "Harvest", "Green Valley", "Sahel", "Delta", "Savanna", "Riverside", "Unity"]
SUFFIX = ["Farms Ltd", "Cooperative", "Plc", "Holdings Inc", "Ventures", "", "Ministry of Agriculture"]
DOMAINS = ["gmail.com", "yahoo.com", "agro.example", "farm.example", "gov.example", "coop.example"]
COUNTRIES = ["NG"] * 30 + ["GH"] * 10 + ["KE"] * 10 + ["ZA"] * 8 + ["US"] * 6 + ["GB"] * 5
COUNTRIES += ["DE", "FR", "NL", "TZ", "UG", "RW", "ET", "CI", "SN", "EG", "IN", "BR", "", "", "", ""]
TYPES = ["sales"] * 6 + ["general"] * 2 + ["support", "partnership"]
ORG_TYPES = ["government", "ngo", "cooperative", "private", "private", "individual", None]
TIMELINES = ["immediate", "1 month", "3 months", "next season", None]
PRODUCTS = ["tractor", "pump", "irrigation-kit", "generator", "solar-system", "plough", "sprayer"]
MESSAGES = [
    "Please send a quote for {n} {p}s delivered to our site.",
    "We need an urgent quote: {n} {p}s for the coming season.",
    "Tender reference {n}: supply of {p}s. Please quote.",
    "Do you have spare parts for the {p}? Ours broke down.",
    "I am a student doing research on {p}s in my region.",
    "Interested in a partnership to distribute your {p}s.",
    "What is the lead time and price for a {p}? Please quote ASAP.",
]


def _budget(rng: random.Random):
    roll = rng.random()
    if roll < 0.15:
        return None
    amount = rng.choice([5_000, 25_000, 80_000, 150_000, 300_000, 750_000, 2_000_000])
    return f"${amount:,}" if roll < 0.3 else amount  # some forms send text


class Command(BaseCommand):
    help = "Create scaled leads data for benchmarks (run once per fresh bench database)."

    def add_arguments(self, parser):
        parser.add_argument("--inquiries", type=int, default=100_000, help="open inquiries")
        parser.add_argument("--closed", type=int, default=5_000, help="resolved/closed ones besides")
        parser.add_argument("--assigned", type=int, default=300, help="assigned to the bench sales user")
        parser.add_argument("--other-sales", type=int, default=4, help="other sales users")
        parser.add_argument("--other-assigned", type=int, default=5_000, help="inquiries each")
        parser.add_argument("--password", required=True, help="of bench-sales@example.com")
        parser.add_argument("--batch-size", type=int, default=5_000)

    def handle(self, *args, **opts):
        if get_user_model().objects.filter(email=BENCH_SALES_EMAIL).exists():
            self.stdout.write("bench leads already present")
            return
        rng = random.Random(11)  # noqa: S311 (reproducible bench data, not security)
        with transaction.atomic():
            compiled = self._rules()
            open_pks = self._inquiries(rng, compiled, opts["inquiries"], opts["closed"], opts["batch_size"])
            self._spread_dates()
        self._assign(rng, open_pks, opts)
        self.stdout.write(
            f"bench leads: {len(RULES)} rules, {opts['inquiries']:,} open + {opts['closed']:,} closed "
            f"inquiries, {opts['assigned']} assigned to {BENCH_SALES_EMAIL}"
        )

    def _rules(self):
        objs = []
        for position, (name, rule_type, condition, value) in enumerate(RULES):
            rules.condition_validate(condition)
            rule = LeadScoringRule(
                rule_name=RULE_PREFIX + name,
                rule_type=rule_type,
                condition=condition,
                score_value=value,
                is_active=True,
                position=position,
            )
            rule.full_clean(validate_unique=False)
            objs.append(rule)
        # In bulk: rule_create would queue a rescoring of (as yet no) inquiries per rule.
        LeadScoringRule.objects.bulk_create(objs)
        rules.ACTIVE_RULES.invalidate()  # bulk_create sends no post_save
        return rules.active_rules()

    def _inquiry(self, rng: random.Random, n: int, status: str) -> Inquiry:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        suffix = rng.choice(SUFFIX)
        metadata = {
            "budget": _budget(rng),
            "org_type": rng.choice(ORG_TYPES),
            "timeline": rng.choice(TIMELINES),
            "products": rng.sample(PRODUCTS, rng.randint(0, 3)),
        }
        metadata = {k: v for k, v in metadata.items() if v not in (None, [])}
        product = metadata.get("products", [rng.choice(PRODUCTS)])[0]
        return Inquiry(
            inquiry_type=rng.choice(TYPES),
            full_name=f"{first} {last}",
            email=f"{first}.{last}.{n}@{rng.choice(DOMAINS)}".lower(),
            phone=f"+234 80{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.7 else "",
            company=f"{rng.choice(COMPANY)} {suffix}".strip() if rng.random() < 0.8 else "",
            country=rng.choice(COUNTRIES),
            message=rng.choice(MESSAGES).format(n=rng.randint(1, 40), p=product.replace("-", " ")),
            status=status,
            metadata=metadata,
            source=rng.choice(["website", "website", "website", "import", "trade-fair"]),
            ip_address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            user_agent="Mozilla/5.0 (bench)",
        )

    def _inquiries(self, rng, compiled, count: int, closed: int, batch: int) -> list:
        statuses = [Inquiry.Status.NEW] * 3 + [Inquiry.Status.IN_PROGRESS] * 2
        plan = [rng.choice(statuses) for _ in range(count)]
        plan += [rng.choice([Inquiry.Status.RESOLVED, Inquiry.Status.CLOSED]) for _ in range(closed)]
        rng.shuffle(plan)
        open_pks = []
        for start in range(0, len(plan), batch):
            objs = [self._inquiry(rng, n, plan[n]) for n in range(start, min(start + batch, len(plan)))]
            for inquiry in objs:
                facts = inquiry_facts({c: getattr(inquiry, c) for c in rules.SCORED_COLUMNS})
                inquiry.lead_score, inquiry.matched_rules = score(facts, compiled)
            Inquiry.objects.bulk_create(objs, batch_size=1000)
            open_pks += [i.pk for i in objs if i.status in Inquiry.OPEN_STATUSES]
        return open_pks

    def _spread_dates(self) -> None:
        """bulk_create stamps every row "now": spread them over the last year instead."""
        table = connection.ops.quote_name(Inquiry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET created_at = now() - (abs(hashtext(id::text)) % 31536000) "  # noqa: S608
                "* interval '1 second', updated_at = now()"
            )

    def _assign(self, rng: random.Random, open_pks: list, opts) -> None:
        user = user_create(
            email=BENCH_SALES_EMAIL, password=opts["password"], full_name="Bench Sales", roles=[SALES]
        )
        # At most a quarter of the rest goes to colleagues (small data sets: never more than
        # there are open inquiries).
        assigned = min(opts["assigned"], len(open_pks))
        size = min(opts["other_assigned"], (len(open_pks) - assigned) // 4 // max(1, opts["other_sales"]))
        picked = rng.sample(open_pks, assigned + opts["other_sales"] * size)
        mine, others = picked[:assigned], picked[assigned:]
        # The bench user's share: one by one through the assignment service (lock, object
        # permissions, activity log), exactly as a manager assigning them would.
        for inquiry in Inquiry.objects.filter(pk__in=mine):
            inquiries.inquiry_assign(inquiry=inquiry, assignee=user, actor=None)
        # Colleagues hold larger shares (so the permission table is not the bench user's
        # alone): assigned in bulk with the service's bulk grant.
        for i in range(opts["other_sales"]):
            colleague = user_create(
                email=f"bench-sales-{i + 1}@example.com", full_name=f"Bench Sales {i + 1}", roles=[SALES]
            )
            share = others[i * size : (i + 1) * size]
            with transaction.atomic():
                Inquiry.objects.filter(pk__in=share).update(assigned_to=colleague)
                inquiries.permissions_grant(
                    user=colleague, inquiries=list(Inquiry.objects.filter(pk__in=share))
                )
