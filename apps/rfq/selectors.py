"""RFQ reads: who sees which RFQs and quotes, with their relations loaded.

- Staff: through ``objects_visible_to`` — everything with the model-wide ``rfq.view_rfq``
  (support, admins, a "sales manager" granted it), else only the RFQs assigned to them (object
  permissions), filtered in SQL.
- Everyone else: the RFQs of their own account; only quotes that were sent to them (a draft
  superseded or withdrawn before it was sent is never shown).
- A quote is also reachable with its public token (the link in the quote email).
"""

from __future__ import annotations

import secrets
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.api import AnyUser, User, has_role, is_staff_member, objects_visible_to
from apps.core.roles import ADMIN, SALES, SUPPORT
from apps.core.search import text_search

from .models import RFQ, Quote, QuoteLine, RFQItem, RFQStatusHistory

# What a customer may see of quotes: those that were sent (drafts, and drafts that were
# superseded or withdrawn without being sent, stay internal).
CUSTOMER_VISIBLE_QUOTES = Q(sent_at__isnull=False)


def _items() -> QuerySet[RFQItem]:
    return RFQItem.objects.select_related("product").order_by("position", "created_at")


def rfqs_visible(*, user: AnyUser | None) -> QuerySet[RFQ]:
    """The RFQs ``user`` may see (no joins, no ordering): staff with the model-wide permission
    all, a sales user the ones assigned to them, a customer their own."""
    return _visible(user=user)


def _visible(*, user: AnyUser | None) -> QuerySet[RFQ]:
    qs = RFQ.objects.all()
    if not user or not user.is_authenticated:
        return qs.none()
    if is_staff_member(user):
        return objects_visible_to(user=user, queryset=qs, perm="view")
    return qs.filter(customer=user)


def _quote_count(user: AnyUser) -> Coalesce:
    """The number of quotes of the RFQ that ``user`` may see (customers: sent ones only)."""
    quotes = Quote.objects.filter(rfq=OuterRef("pk"))
    if not is_staff_member(user):
        quotes = quotes.filter(CUSTOMER_VISIBLE_QUOTES)
    # A correlated count, not an aggregate over a join: no GROUP BY over every column of the
    # page, and the list's count needs no subquery (docs/benchmarks.md).
    quote_count = quotes.order_by().values("rfq").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(quote_count, output_field=IntegerField()), 0)


def rfq_list(*, user: AnyUser) -> QuerySet[RFQ]:
    """The RFQs ``user`` may see, newest first, with what the list shows: a fixed number of
    queries whatever the page size."""
    return (
        _visible(user=user)
        .select_related("product_category", "assigned_to", "customer")
        .prefetch_related(Prefetch("items", queryset=_items()))
        .annotate(quote_count=_quote_count(user))
        .order_by("-created_at", "-sequence")
    )


def _quotes_for(user: AnyUser) -> QuerySet[Quote]:
    qs = Quote.objects.prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "created_at"))
    ).select_related("order", "created_by")
    if not is_staff_member(user):
        qs = qs.filter(CUSTOMER_VISIBLE_QUOTES)
    return qs.order_by("-version")


def rfq_for_caller(*, user: AnyUser, rfq_id: UUID | str) -> RFQ | None:
    """One RFQ with items, quotes (customers: sent ones only) and history, or None if the caller
    may not see it."""
    return (
        _visible(user=user)
        .select_related("product_category", "assigned_to", "customer")
        .prefetch_related(
            Prefetch("items", queryset=_items()),
            Prefetch("quotes", queryset=_quotes_for(user)),
            Prefetch("history", queryset=RFQStatusHistory.objects.select_related("actor")),
        )
        .annotate(quote_count=_quote_count(user))
        .filter(pk=rfq_id)
        .first()
    )


def quote_of_rfq(*, rfq: RFQ, quote_id: UUID | str) -> Quote | None:
    """A quote of an RFQ the caller was already allowed to see."""
    return Quote.objects.select_related("rfq").filter(rfq=rfq, pk=quote_id).first()


def quote_for_customer(*, user: AnyUser | None, quote_id: UUID | str, token: str | None) -> Quote | None:
    """The quote, for its customer (the RFQ's account) or anyone holding its token; drafts are
    never shown. None (→ 404) for anyone else, including a wrong token."""
    quote = (
        Quote.objects.select_related("rfq__customer", "rfq__assigned_to", "order")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "created_at")))
        .filter(CUSTOMER_VISIBLE_QUOTES, pk=quote_id)
        .first()
    )
    if quote is None:
        return None
    if token and secrets.compare_digest(quote.token.encode(), str(token).encode()):
        return quote
    if user is not None and user.is_authenticated and quote.rfq.customer_id == user.pk:
        return quote
    return None


def rfq_personal_data(*, user: User) -> QuerySet[RFQ]:
    """The RFQs holding the user's personal data: theirs by account, or sent with their email."""
    return (
        RFQ.objects.filter(Q(customer=user) | Q(email__iexact=user.email))
        .prefetch_related("items", "quotes__lines")
        .order_by("created_at")
    )


# Unified search over RFQs, for the staff who work them. The weighted document must equal the
# one indexed by migration 0004 (a GIN index on PostgreSQL; tests compare them), so the search
# uses the index. Hyphens in the number and "@." in the email become spaces: PostgreSQL's parser
# reads "RFQ-2026-000009" as "rfq", "-2026", "-000009" and an email as one word.
RFQ_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, "
    "translate(coalesce(\"rfq_rfq\".\"number\", ''), '-', ' ')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"full_name\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"company\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, "
    "translate(coalesce(\"rfq_rfq\".\"email\", ''), '@.', '  ')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"requirements\", '')), 'C')"
)
SEARCH_ROLES = (SALES, SUPPORT, ADMIN)


def may_search(*, user: AnyUser) -> bool:
    return has_role(user, *SEARCH_ROLES)


def rfq_search(*, q: str, user: AnyUser, limit: int = 10) -> tuple[int, list[dict]]:
    """RFQs ``user`` may see that match ``q``, best first: (total, top ``limit``). PostgreSQL:
    the GIN-indexed weighted tsvector with prefix matching; elsewhere every word as a substring
    of the number, name, company, email or requirements, newest first."""
    qs = text_search(
        _visible(user=user),
        q=q,
        vector_sql=RFQ_VECTOR,
        fallback_fields=["number", "full_name", "company", "email", "requirements"],
        newest=["-created_at"],
    )
    if qs is None:
        return 0, []
    hits = qs.only("id", "number", "full_name", "company", "email", "status", "requirements", "created_at")
    return qs.count(), [
        {
            "id": str(rfq.pk),
            "type": "rfq",
            "title": f"{rfq.number} — {rfq.company or rfq.full_name}",
            "slug": "",
            "summary": " — ".join(p for p in (rfq.status, rfq.email, rfq.requirements[:150]) if p),
            "url": f"/api/v1/rfqs/{rfq.pk}",
            "rank": round(float(rfq.rank or 0), 4),
        }
        for rfq in hits[:limit]
    ]
