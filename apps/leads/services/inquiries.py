"""Inquiry writes: the public submission (scored, optionally auto-assigned, confirmation and
sales alert queued in the same transaction), staff updates through the state machine,
assignment, soft delete, and conversion into a customer (+ RFQ)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import api as accounts
from apps.core.activity import activity_log_scrub_person, activity_record, is_staff_user, snapshot
from apps.core.errors import Conflict
from apps.core.roles import ADMIN, SALES
from apps.core.selectors import site_settings_get
from apps.notifications import api as notifications
from apps.rfq import api as rfq

from .. import workflows
from ..countries import normalize_country
from ..models import AssignmentCursor, Inquiry
from .rules import active_rules, inquiry_score_apply

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser, User

logger = logging.getLogger(__name__)

SUBMIT_FIELDS = (
    "inquiry_type", "full_name", "email", "phone", "company", "country", "message", "source", "metadata",
)  # fmt: skip
# Checked by the model on submit; the rest are set by the service.
CLEAN_EXCLUDE = ["assigned_to", "converted_customer", "import_job", "matched_rules", "lead_score"]


def normalize_email(*, email: str) -> str:
    return (email or "").strip().lower()


def sees_all_inquiries(*, user: AnyUser | None) -> bool:
    """Whether ``user`` sees every inquiry (model-wide leads.view_inquiry), as
    ``selectors.inquiries_visible`` decides; None (the system) does."""
    return user is None or user.is_superuser or user.has_perm("leads.view_inquiry")


def inquiry_lock(*, inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


# --- Assignment ---------------------------------------------------------------------------------


def assignee_validate(*, user: User | None) -> None:
    """Inquiries go to active users of the sales role (or admins)."""
    if user is None:
        return
    if not user.is_active or not accounts.has_role(user, SALES, ADMIN):
        raise ValidationError({"assigned_to": "Inquiries can be assigned to active sales users only."})


def _assign(inquiry: Inquiry, assignee) -> bool:
    """Set ``assigned_to`` on a LOCKED inquiry (what the assignee sees follows from it)."""
    if assignee is not None and inquiry.assigned_to_id == assignee.pk:
        return False
    if assignee is None and inquiry.assigned_to_id is None:
        return False
    assignee_validate(user=assignee)
    inquiry.assigned_to = assignee
    return True


def next_round_robin_assignee() -> User | None:
    """The next active sales user after the last one picked (by id, wrapping around), or None
    when there is none. The cursor row is locked until the caller's transaction ends, so
    concurrent submissions take turns instead of picking the same person."""
    AssignmentCursor.objects.get_or_create(singleton=1)
    cursor = AssignmentCursor.objects.select_for_update().get(singleton=1)
    candidates = get_user_model().objects.filter(is_active=True, groups__name=SALES).order_by("pk").distinct()
    chosen = None
    if cursor.last_user_id is not None:
        chosen = candidates.filter(pk__gt=cursor.last_user_id).first()
    chosen = chosen or candidates.first()
    if chosen is not None:
        cursor.last_user = chosen
        cursor.save(update_fields=["last_user", "updated_at"])
    return chosen


# --- Submission ---------------------------------------------------------------------------------


def _email_context(inquiry: Inquiry) -> dict:
    """Plain JSON for the outbox row (templates read these keys)."""
    return {
        "inquiry": {
            "id": str(inquiry.pk),
            "reference": str(inquiry.pk).split("-")[0].upper(),
            "inquiry_type": inquiry.inquiry_type,
            "inquiry_type_label": inquiry.get_inquiry_type_display(),
            "full_name": inquiry.full_name,
            "email": inquiry.email,
            "phone": inquiry.phone,
            "company": inquiry.company,
            "country": inquiry.country,
            "message": inquiry.message,
            "source": inquiry.source,
            "lead_score": inquiry.lead_score,
            "matched_rules": inquiry.matched_rules,
            "metadata": inquiry.metadata,
            "assigned_to": inquiry.assigned_to.email if inquiry.assigned_to is not None else "",
            "created_at": inquiry.created_at.isoformat() if inquiry.created_at else "",
        }
    }


def _sales_recipients(inquiry: Inquiry) -> list[str]:
    """Who hears about an inquiry: its assignee, else every active sales user."""
    assignee = inquiry.assigned_to  # None without a query when unassigned
    return [assignee.email] if assignee is not None else notifications.role_emails(role=SALES)


def _sender_name(inquiry: Inquiry) -> str:
    """The inquiry's sender as staff emails name them: the company, else the person."""
    return inquiry.company or inquiry.full_name or inquiry.email


def _queue_emails(inquiry: Inquiry) -> None:
    """The customer's confirmation and the sales alert (to the assignee, else the sales role),
    as outbox rows in the caller's transaction."""
    company = site_settings_get().company_name
    context = _email_context(inquiry)
    alert_context = {**context, "staff_url": settings.LEADS_STAFF_URL.format(id=inquiry.pk)}
    notifications.email_queue(
        to=inquiry.email,
        template="inquiry_confirmation",
        context=context,
        subject=f"We received your inquiry — {company}",
        related=inquiry,
        render_at_send=True,  # the public form's request only stores the rows
    )
    recipients = _sales_recipients(inquiry)
    if recipients:
        who = _sender_name(inquiry)
        kind = inquiry.get_inquiry_type_display().lower()
        notifications.email_queue(
            to=recipients,
            template="inquiry_alert",
            context=alert_context,
            subject=f"New {kind} inquiry (score {inquiry.lead_score}): {who}",
            related=inquiry,
            reply_to=[inquiry.email],
            render_at_send=True,
        )
    else:
        logger.warning("inquiry %s: no active sales user to alert", inquiry.pk)


# At most this many reminders per run: a backlog is worked off over the following hours.
STALE_REMINDER_BATCH = 500


def stale_inquiries_remind() -> int:
    """Inquiries still ``new`` LEADS_STALE_HOURS after they arrived: one reminder each, by
    email to the assignee (else to the sales role) and in-app to the assignee. Each inquiry is
    claimed with a conditional UPDATE in the transaction that queues its email, so two runs at
    once (two beats) remind once, and a failed run reminds nothing it did not record. Returns
    how many were reminded."""
    now = timezone.now()
    cutoff = now - timedelta(hours=settings.LEADS_STALE_HOURS)
    waiting = Inquiry.objects.filter(
        status=Inquiry.Status.NEW, stale_reminded_at__isnull=True, created_at__lte=cutoff
    )
    candidates = list(waiting.order_by("created_at").values_list("pk", flat=True)[:STALE_REMINDER_BATCH])
    reminded = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Inquiry.objects.filter(
                pk=pk, status=Inquiry.Status.NEW, stale_reminded_at__isnull=True
            ).update(stale_reminded_at=now)
            if claimed:
                _queue_stale_reminder(Inquiry.objects.select_related("assigned_to").get(pk=pk), now=now)
                reminded += 1
    return reminded


def _queue_stale_reminder(inquiry: Inquiry, *, now) -> None:
    hours = int((now - inquiry.created_at).total_seconds() // 3600)
    staff_url = settings.LEADS_STAFF_URL.format(id=inquiry.pk)
    assignee = inquiry.assigned_to
    recipients = _sales_recipients(inquiry)
    if not recipients:
        logger.warning("inquiry %s: still new after %s h; no active sales user to remind", inquiry.pk, hours)
        return
    who = _sender_name(inquiry)
    notifications.email_queue(
        to=recipients,
        template="inquiry_stale",
        context={**_email_context(inquiry), "staff_url": staff_url, "hours": hours},
        subject=f"Still waiting for a reply after {hours} h: {who}",
        related=inquiry,
        reply_to=[inquiry.email],
        render_at_send=True,
    )
    if assignee is not None:
        notifications.notification_create(
            user=assignee,
            title=f"Inquiry from {who} still new after {hours} h",
            body="It is still waiting for a first reply.",
            link=staff_url,
        )


@transaction.atomic
def inquiry_submit(
    *,
    inquiry_type: str,
    full_name: str,
    email: str,
    message: str,
    phone: str = "",
    company: str = "",
    country: str = "",
    source: str = "",
    metadata: dict | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    auto_assign: bool = False,
    actor: AnyUser | None = None,
) -> Inquiry:
    """A new inquiry from the public form: validated, scored from the active rules (never
    from the caller), optionally given to the next sales user in turn, and the confirmation
    and sales alert queued with it. Sent by a staff member (``actor``), it is also recorded in
    the activity log."""
    inquiry = Inquiry(
        inquiry_type=inquiry_type,
        full_name=full_name.strip(),
        email=normalize_email(email=email),
        phone=phone.strip(),
        company=company.strip(),
        country=normalize_country(country),
        message=message.strip(),
        source=(source or "website").strip(),
        metadata=metadata or {},
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
    )
    inquiry.full_clean(exclude=CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    inquiry_score_apply(inquiry=inquiry, rules=active_rules())
    assignee = next_round_robin_assignee() if auto_assign else None
    inquiry.assigned_to = assignee
    inquiry.save(force_insert=True)
    _queue_emails(inquiry)
    if is_staff_user(actor):
        activity_record(actor=actor, action="create", entity=inquiry, after=snapshot(inquiry))
    return inquiry


# --- Staff writes -------------------------------------------------------------------------------


@transaction.atomic
def inquiry_update(*, inquiry: Inquiry, data: dict, actor: AnyUser | None) -> Inquiry:
    """PATCH by staff: ``status`` (through the state machine), ``assigned_to`` (a user or
    None), ``notes``."""
    inquiry = inquiry_lock(inquiry=inquiry)
    before = snapshot(inquiry)
    fields = []
    if "status" in data and data["status"] != inquiry.status:
        workflows.transition_check(current=inquiry.status, target=data["status"])
        inquiry.status = data["status"]
        fields.append("status")
    if "assigned_to" in data and _assign(inquiry, data["assigned_to"]):
        fields.append("assigned_to")
    if "notes" in data and data["notes"] != inquiry.notes:
        inquiry.notes = data["notes"]
        fields.append("notes")
    if fields:
        inquiry.save(update_fields=[*fields, "updated_at"])
        activity_record(
            actor=actor,
            action="update",
            entity=inquiry,
            before=before,
            after=snapshot(inquiry),
        )
    return inquiry


def inquiry_transition(*, inquiry: Inquiry, target: str, actor: AnyUser | None) -> Inquiry:
    return inquiry_update(inquiry=inquiry, data={"status": target}, actor=actor)


def inquiry_assign(*, inquiry: Inquiry, assignee: User | None, actor: AnyUser | None) -> Inquiry:
    return inquiry_update(inquiry=inquiry, data={"assigned_to": assignee}, actor=actor)


@transaction.atomic
def inquiry_create_by_staff(*, data: dict, actor: AnyUser | None) -> Inquiry:
    """An inquiry a staff member records (a phone call, a trade fair): scored like any other;
    no confirmation or alert is sent."""
    inquiry = Inquiry(
        **{k: data[k] for k in SUBMIT_FIELDS if k in data},
        notes=data.get("notes", ""),
    )
    inquiry.email = normalize_email(email=inquiry.email)
    inquiry.country = normalize_country(inquiry.country)
    inquiry.source = inquiry.source or "staff"
    inquiry.full_clean(exclude=CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    inquiry_score_apply(inquiry=inquiry, rules=active_rules())
    inquiry.save(force_insert=True)
    assignee = data.get("assigned_to")
    if assignee is None and not sees_all_inquiries(user=actor):
        assignee = actor  # a sales user keeps what they record (they would not see it otherwise)
    if assignee is not None:
        _assign(inquiry, assignee)
        inquiry.save(update_fields=["assigned_to"])
    activity_record(actor=actor, action="create", entity=inquiry, after=snapshot(inquiry))
    return inquiry


@transaction.atomic
def inquiry_soft_delete(*, inquiry: Inquiry, actor: AnyUser | None) -> None:
    """Hidden from every list and lookup; the row stays (history, conversions, GDPR)."""
    inquiry = Inquiry.all_objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.deleted_at is not None:
        return
    before = snapshot(inquiry)
    inquiry.deleted_at = timezone.now()
    inquiry.save(update_fields=["deleted_at", "updated_at"])
    activity_record(actor=actor, action="delete", entity=inquiry, before=before, after=snapshot(inquiry))


# --- Conversion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    inquiry: Inquiry
    customer: object
    customer_created: bool
    rfq_id: object | None


def _text(value) -> str:
    return "" if value is None else str(value)[:200]


@transaction.atomic
def inquiry_convert(
    *, inquiry: Inquiry, actor: AnyUser | None, create_rfq: bool = False, items: list | None = None
) -> Conversion:
    """The inquiry's customer account: the existing one with its email, or a new customer
    account without a usable password (invited by email to set one); optionally an RFQ opened
    from the inquiry. All in one transaction; an inquiry converts once (409 after)."""
    inquiry = inquiry_lock(inquiry=inquiry)
    if inquiry.converted_at is not None:
        raise Conflict(
            f"This inquiry was already converted on {inquiry.converted_at:%Y-%m-%d}.",
            code="already_converted",
        )
    customer, created = accounts.customer_get_or_invite(
        email=inquiry.email,
        full_name=inquiry.full_name,
        phone=inquiry.phone,
        company=inquiry.company,
        actor=actor,
    )
    rfq_id = None
    if create_rfq:
        metadata = inquiry.metadata if isinstance(inquiry.metadata, dict) else {}
        opened = rfq.rfq_create(
            full_name=inquiry.full_name or inquiry.email,
            email=inquiry.email,
            items=items or [],
            company=inquiry.company,
            country=inquiry.country,
            phone=inquiry.phone,
            customer=customer,
            inquiry=inquiry,
            budget_range=_text(metadata.get("budget")),
            timeline=_text(metadata.get("timeline")),
            requirements=inquiry.message,
            actor=actor,
        )
        rfq_id = opened.pk
    before = snapshot(inquiry)
    inquiry.converted_customer = customer
    inquiry.converted_at = timezone.now()
    inquiry.rfq_id = rfq_id
    inquiry.save(update_fields=["converted_customer", "converted_at", "rfq_id", "updated_at"])
    activity_record(
        actor=actor,
        action="inquiry.convert",
        entity=inquiry,
        before=before,
        after={**snapshot(inquiry), "customer_created": created},
    )
    return Conversion(inquiry=inquiry, customer=customer, customer_created=created, rfq_id=rfq_id)


# --- Personal data (GDPR) -----------------------------------------------------------------------


def personal_data_erase(*, user: User) -> int:
    """Erasure: the person's inquiries (by their email, or converted into their account) keep
    their type, status, score and dates for the sales figures; who they were and what they
    wrote is removed."""
    from django.db.models import Q

    count = 0
    for inquiry in Inquiry.all_objects.filter(Q(email__iexact=user.email) | Q(converted_customer=user)):
        inquiry.full_name = inquiry.phone = inquiry.company = inquiry.message = ""
        inquiry.user_agent = inquiry.notes = ""
        inquiry.email = f"erased-{inquiry.pk.hex}@erased.invalid"
        inquiry.metadata, inquiry.matched_rules, inquiry.ip_address = {}, [], None
        inquiry.save(
            update_fields=[
                "full_name",
                "phone",
                "company",
                "message",
                "user_agent",
                "notes",
                "email",
                "metadata",
                "matched_rules",
                "ip_address",
                "updated_at",
            ]
        )
        activity_log_scrub_person(user_id=inquiry.pk, entity_type=Inquiry._meta.label_lower)
        count += 1
    return count
