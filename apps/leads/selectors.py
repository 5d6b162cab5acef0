"""Leads reads: the inquiries a user may see (all of them with ``leads.view_inquiry``, else
those assigned to them), unified search, the rule preview, and the personal data export."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet

from apps.accounts import api as accounts
from apps.core.flat_rows import page_values
from apps.core.roles import ADMIN, SALES, SUPPORT
from apps.core.search import text_search

from .models import ImportJob, Inquiry, LeadScoringRule
from .scoring import CompiledRule, inquiry_facts, score
from .services.rules import SCORED_COLUMNS, active_rules

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser, User

LEADS_ROLES = (SALES, SUPPORT, ADMIN)

# The weighted document of an inquiry (name and company, then email, then message); email
# separators become spaces so "jane example" finds jane@example.com. Identical to the
# expression of the GIN index (migration 0002), so the planner uses it.
INQUIRY_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"full_name\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"company\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, translate(coalesce(\"leads_inquiry\".\"email\", ''), "
    "'@.', '  ')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"message\", '')), 'C')"
)


def inquiries_visible(*, user: AnyUser, queryset: QuerySet[Inquiry]) -> QuerySet[Inquiry]:
    """The part of ``queryset`` ``user`` may see: all of it with the model-wide
    ``leads.view_inquiry`` (support, admin, a sales manager), else the inquiries assigned to
    them (a filter on ``assigned_to``). Anonymous and inactive users see nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if sees_all_inquiries(user=user):
        return queryset
    return queryset.filter(assigned_to=user)


def sees_all_inquiries(*, user: AnyUser) -> bool:
    """Whether ``user`` sees every inquiry (model-wide permission), not only those assigned."""
    return user.is_superuser or user.has_perm("leads.view_inquiry")


def inquiry_list(*, user: AnyUser) -> QuerySet[Inquiry]:
    """The inquiries ``user`` may see, newest first; soft-deleted ones never."""
    queryset = Inquiry.objects.select_related("assigned_to").order_by("-created_at")
    return inquiries_visible(user=user, queryset=queryset)


# What a list item shows (``InquirySerializer``), by column: a page of the staff list is read
# as these values instead of model instances (an Inquiry and its assignee per row).
LIST_COLUMNS = (
    "id", "inquiry_type", "full_name", "email", "phone", "company", "country", "message",
    "source", "metadata", "status", "lead_score", "matched_rules", "notes", "ip_address",
    "user_agent", "converted_customer_id", "converted_at", "rfq_id", "created_at", "updated_at",
)  # fmt: skip
ASSIGNEE_COLUMNS = ("assigned_to__id", "assigned_to__email", "assigned_to__full_name")


def inquiry_list_values(*, queryset: QuerySet[Inquiry]) -> QuerySet:
    """``queryset`` reading only what a list item shows, as values (``inquiry_list_item``)."""
    return page_values(queryset, *LIST_COLUMNS, *ASSIGNEE_COLUMNS)


def inquiry_list_item(*, row: dict) -> SimpleNamespace:
    """A row of ``inquiry_list_values`` with the attributes ``InquirySerializer`` reads."""
    assigned_id, email, full_name = (row.pop(column) for column in ASSIGNEE_COLUMNS)
    item = SimpleNamespace(**row)
    item.assigned_to = (
        None if assigned_id is None else SimpleNamespace(id=assigned_id, email=email, full_name=full_name)
    )
    return item


def assigned_inquiry_page(*, user: AnyUser, offset: int, limit: int) -> tuple[int, list]:
    """(total, page) of the plain listing of a user who sees only the inquiries assigned to
    them, newest first, read as values like every staff list page. On PostgreSQL one
    statement (``_ASSIGNED_PAGE``); elsewhere the ORM reads the page and counts it. Both read
    the partial index ``leads_inquiry_assigned_new``: the page is its first entries for the
    user, the total an index-only count."""
    if connection.vendor == "postgresql" and user.is_authenticated:
        return _assigned_page_statement(user=user, offset=offset, limit=limit)
    queryset = inquiry_list(user=user).order_by("-created_at", "-id")
    rows = inquiry_list_values(queryset=queryset)[offset : offset + limit] if limit else []
    return queryset.count(), [inquiry_list_item(row=row) for row in rows]


# The same read as one statement: the page and its total in one round trip, with no query to
# build (ADR 0006 item 1: the ORM's two queries cost twice this statement's time on the bench
# data). The user is a bound parameter; the slice is written in as whole numbers, as the ORM
# writes it, so that the plan knows how few rows it needs. The connection prepares each page's
# statement from its fifth run (``DATABASE_PREPARED_STATEMENTS``); its generic plan reads the
# partial index for the page and for the count. The columns are LIST_COLUMNS in order, after
# the total; the assignee is the user themself.
# ``tests/leads/test_sales_list.py`` holds it equal to the ORM path (filters, search,
# ordering) that the same view takes for any other request.
_ASSIGNED_PAGE = """
SELECT (SELECT count(*) FROM leads_inquiry c
         WHERE c.assigned_to_id = %(user)s AND c.deleted_at IS NULL) AS total,
       i.id, i.inquiry_type, i.full_name, i.email, i.phone, i.company, i.country, i.message,
       i.source, i.metadata, i.status, i.lead_score, i.matched_rules, i.notes, i.ip_address,
       i.user_agent, i.converted_customer_id, i.converted_at, i.rfq_id, i.created_at, i.updated_at
  FROM leads_inquiry i
 WHERE i.assigned_to_id = %(user)s AND i.deleted_at IS NULL
 ORDER BY i.created_at DESC, i.id DESC
 LIMIT {limit:d} OFFSET {offset:d}
"""
_JSON_COLUMNS = frozenset(("metadata", "matched_rules"))


def _assigned_page_statement(*, user: User, offset: int, limit: int) -> tuple[int, list]:
    rows = []
    if limit:
        with connection.cursor() as cursor:
            cursor.execute(_ASSIGNED_PAGE.format(limit=int(limit), offset=int(offset)), {"user": user.pk})
            rows = cursor.fetchall()
    if not rows:  # no page asked for, or past the end: the total alone
        return Inquiry.objects.filter(assigned_to=user).count(), []
    assignee = dict(zip(ASSIGNEE_COLUMNS, (user.pk, user.email, user.full_name), strict=True))
    page = []
    for row in rows:
        values = dict(zip(LIST_COLUMNS, row[1:], strict=True))
        for column in _JSON_COLUMNS:  # jsonb arrives as text, as for JSONField
            values[column] = json.loads(values[column])
        page.append(inquiry_list_item(row={**values, **assignee}))
    return rows[0][0], page


def inquiry_get(*, user: AnyUser, pk: UUID | str) -> Inquiry | None:
    return inquiry_list(user=user).filter(pk=pk).first()


def can_change(*, user: AnyUser, inquiry: Inquiry) -> bool:
    """With the model-wide ``leads.change_inquiry``, or as the active user it is assigned to."""
    if user.has_perm("leads.change_inquiry"):
        return True
    return user.is_active and inquiry.assigned_to_id is not None and inquiry.assigned_to_id == user.pk


def rule_list() -> QuerySet[LeadScoringRule]:
    return LeadScoringRule.objects.order_by("position", "rule_name")


def import_job_get(*, user: AnyUser, pk: UUID | str) -> ImportJob | None:
    """An import job for its creator, admins and holders of ``leads.view_importjob``."""
    qs = ImportJob.objects.select_related("created_by").filter(pk=pk)
    if not (accounts.has_role(user, ADMIN) or user.has_perm("leads.view_importjob")):
        qs = qs.filter(created_by=user) if user.is_authenticated else qs.none()
    return qs.first()


# --- Search -------------------------------------------------------------------------------------


def may_search(*, user: AnyUser) -> bool:
    return accounts.has_role(user, *LEADS_ROLES)


def inquiry_search(*, q: str, user: AnyUser, limit: int = 10) -> tuple[int, list[dict]]:
    """Inquiries ``user`` may see that match ``q``, best first: (total, top ``limit``).
    PostgreSQL: the GIN-indexed weighted tsvector with prefix matching; elsewhere every word as
    a substring of name, company, email or message, newest first."""
    qs = text_search(
        inquiry_list(user=user),
        q=q,
        vector_sql=INQUIRY_VECTOR,
        fallback_fields=["full_name", "company", "email", "message"],
        newest=["-created_at"],
    )
    if qs is None:
        return 0, []
    return qs.count(), [
        {
            "id": str(inquiry.pk),
            "type": "inquiry",
            "title": inquiry.full_name or inquiry.email,
            "slug": "",
            "summary": " — ".join(p for p in (inquiry.company, inquiry.email, inquiry.message[:150]) if p),
            "url": f"/api/v1/inquiries/{inquiry.pk}",
            "rank": round(float(inquiry.rank or 0), 4),
        }
        for inquiry in qs.select_related(None).only(
            "id", "full_name", "company", "email", "message", "created_at"
        )[:limit]
    ]


# --- Rule preview -------------------------------------------------------------------------------


def rule_preview(
    *, rule_id: UUID | str | None, rule_name: str, condition: dict, score_value: int, limit: int = 100
) -> dict:
    """What a rule (as stored, or as being edited) does to the last ``limit`` inquiries: which
    match, and each one's score with the other active rules with and without it."""
    tested = CompiledRule.of(
        rule_id=rule_id or "preview", rule_name=rule_name, score_value=score_value, condition=condition
    )
    others = [r for r in active_rules() if r.rule_id != str(rule_id)]
    with_rule = [*others, tested]
    rows = []
    for inquiry in Inquiry.objects.order_by("-created_at").only(
        *SCORED_COLUMNS, "lead_score", "status", "created_at"
    )[:limit]:
        facts = inquiry_facts({column: getattr(inquiry, column) for column in SCORED_COLUMNS})
        without_score, _ = score(facts, others)
        new_score, matched = score(facts, with_rule)
        rows.append(
            {
                "inquiry": inquiry,
                "matches": any(m["rule_id"] == tested.rule_id for m in matched),
                "stored_score": inquiry.lead_score,
                "score_without": without_score,
                "score_with": new_score,
                "delta": new_score - without_score,
            }
        )
    return {
        "rows": rows,
        "matched": sum(1 for r in rows if r["matches"]),
        "total": len(rows),
    }


# --- Personal data (GDPR) ----------------------------------------------------------------------


def _personal_inquiries(user):
    return Inquiry.all_objects.filter(Q(email__iexact=user.email) | Q(converted_customer=user))


def personal_data_export(*, user: User) -> list[dict]:
    """The inquiries a person sent (by their email) or that were converted into their account."""
    return [
        {
            "id": str(i.pk),
            "inquiry_type": i.inquiry_type,
            "full_name": i.full_name,
            "email": i.email,
            "phone": i.phone,
            "company": i.company,
            "country": i.country,
            "message": i.message,
            "metadata": i.metadata,
            "source": i.source,
            "status": i.status,
            "ip_address": i.ip_address,
            "user_agent": i.user_agent,
            "created_at": i.created_at.isoformat(),
        }
        for i in _personal_inquiries(user).order_by("created_at")
    ]
