"""Leads test helpers: inquiries and scoring rules (rules through the service, so conditions
are validated), CSV files, and the outbox rows of a template."""

import factory

from apps.leads.models import Inquiry
from apps.leads.services import rules
from apps.notifications.models import EmailMessage


class InquiryFactory(factory.django.DjangoModelFactory):
    """A stored inquiry (not scored: call rules.inquiry_score_apply or rescore when needed)."""

    class Meta:
        model = Inquiry

    inquiry_type = "sales"
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    company = factory.Faker("company")
    country = "NG"
    message = "We need a quote."
    source = "website"
    metadata = factory.LazyFunction(dict)


def rule_make(condition, score_value=10, *, rule_type="keyword", name=None, is_active=True, position=0):
    return rules.rule_create(
        data={
            "rule_name": name or f"rule {condition}",
            "rule_type": rule_type,
            "condition": condition,
            "score_value": score_value,
            "is_active": is_active,
            "position": position,
        },
        actor=None,
    )


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def emails_of(template: str):
    return list(EmailMessage.objects.filter(template=template).order_by("created_at"))
