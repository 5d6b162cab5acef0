"""RFQ writes: submission (validated, numbered, stored, emails queued), status changes through
the state machine (recorded in the history and the activity log) and assignment (object
permissions for the assignee, taken back from the previous one).

Text never holds a NUL character (PostgreSQL cannot store one in text or jsonb): every text input,
and every key and string of ``specifications``, is checked here — the API, the admin and other
apps (leads) all come through these services."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from apps.accounts.api import AnyUser, User, has_role, object_permission_grant, object_permission_revoke
from apps.catalog.api import Category, Product, Variant, variant_by_sku
from apps.core.activity import activity_record, is_staff_user, snapshot
from apps.core.errors import ApplicationError
from apps.core.roles import ADMIN, SALES
from apps.core.services import model_update

from .. import workflows
from ..models import RFQ, Quote, RFQItem, RFQStatusHistory
from ..validators import NUL_CODE, NUL_MESSAGE, contains_nul, country_code_normalize, nul_free_check
from . import emails
from .numbers import rfq_number_for, rfq_sequence_next

S = RFQ.Status
# Digits with spaces and ( ) . / - and an optional leading + (what leads accepts on inquiries too).
PHONE = re.compile(r"\+?(?=[^0-9]*[0-9])[0-9 ()./\-]{4,31}")
ASSIGNEE_PERMS = ("view", "change")
MAX_QUANTITY = 1_000_000
TEXT_LIMITS = {
    "full_name": 200,
    "company": 200,
    "budget_range": 100,
    "timeline": 100,
    "requirements": 10_000,
}


def rfq_lock(*, rfq: RFQ) -> RFQ:
    return (
        RFQ.objects.select_for_update(of=("self",)).select_related("assigned_to", "customer").get(pk=rfq.pk)
    )


# --- Submission --------------------------------------------------------------------------------


class _Errors:
    """Every problem of a submission, keyed by the dotted attr of the field (``items.0.quantity``),
    raised at once as a validation error (400, one entry per problem)."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, attr: str, message: str, code: str = "invalid") -> None:
        self.errors.setdefault(attr, []).append(ValidationError(message, code=code))

    def nul(self, attr: str, value) -> bool:
        """Record a NUL character in ``value`` under ``attr``; True if there was one."""
        if contains_nul(value):
            self.add(attr, NUL_MESSAGE, NUL_CODE)
            return True
        return False

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_text(errors: _Errors, name: str, value, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, "Must be text.")
        return ""
    if errors.nul(name, value):
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, "This field is required.")
    limit = TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        errors.add(name, f"At most {limit} characters.")
    return value


def _clean_items(errors: _Errors, items, *, allow_empty: bool) -> list[dict[str, Any]]:
    """``[{"product": slug} or {"sku": sku}, "quantity": int, "notes": str]`` → rows with the
    catalog product (and variant) resolved. Only active products and variants can be asked for."""
    if not isinstance(items, list):
        errors.add("items", "Must be a list of items.")
        return []
    if not items and not allow_empty:
        errors.add("items", "Add at least one item.")
    if len(items) > settings.RFQ_MAX_ITEMS:
        errors.add("items", f"At most {settings.RFQ_MAX_ITEMS} items.")
        return []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        at = f"items.{index}"
        if not isinstance(item, dict):
            errors.add(at, "Must be an object with product or sku, and quantity.")
            continue
        product = str(item.get("product") or "").strip()
        sku = str(item.get("sku") or "").strip()
        nul = [errors.nul(f"{at}.{name}", item.get(name)) for name in ("product", "sku", "notes")]
        if any(nul):
            continue
        if product and sku:
            errors.add(f"{at}.sku", "Give a product or a SKU, not both.")
        elif not product and not sku:
            errors.add(f"{at}.product", "Give a product (slug) or a sku.")
        quantity = item.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity.strip())
        if quantity is None:
            errors.add(f"{at}.quantity", "This field is required.")
        elif isinstance(quantity, bool) or not isinstance(quantity, int):
            errors.add(f"{at}.quantity", "A valid integer is required.")
        elif quantity < 1:
            errors.add(f"{at}.quantity", "Ensure this value is greater than or equal to 1.")
        elif quantity > MAX_QUANTITY:
            errors.add(f"{at}.quantity", f"Ensure this value is less than or equal to {MAX_QUANTITY}.")
        notes = item.get("notes") or ""
        if not isinstance(notes, str) or len(notes) > 2000:
            errors.add(f"{at}.notes", "Text of at most 2000 characters.")
            notes = ""
        rows.append(
            {"index": index, "product": product, "sku": sku, "quantity": quantity, "notes": notes.strip()}
        )
    slugs = {r["product"] for r in rows if r["product"] and not r["sku"]}
    products = {
        p.slug: p
        for p in Product.objects.filter(slug__in=slugs, status=Product.Status.ACTIVE).select_related(
            "category"
        )
    }
    skus = {r["sku"] for r in rows if r["sku"] and not r["product"]}
    variants = {v.sku: v for v in Variant.objects.filter(sku__in=skus).select_related("product__category")}
    for row in rows:
        at = f"items.{row['index']}"
        if row["product"] and not row["sku"]:
            row["product_obj"] = products.get(row["product"])
            row["variant_obj"] = None
            if row["product_obj"] is None:
                errors.add(f"{at}.product", f"No product {row['product']!r} in the catalog.")
        elif row["sku"] and not row["product"]:
            variant = variants.get(row["sku"]) or variant_by_sku(sku=row["sku"])
            if variant is not None and not (variant.is_active and variant.product.status == "active"):
                variant = None
            row["variant_obj"] = variant
            row["product_obj"] = variant.product if variant is not None else None
            if variant is None:
                errors.add(f"{at}.sku", f"No SKU {row['sku']!r} in the catalog.")
    return rows


def _category_of(rows: list[dict]) -> Category | None:
    """The category most of the items' products belong to (the first such on a tie)."""
    categories = [
        r["product_obj"].category for r in rows if r.get("product_obj") and r["product_obj"].category
    ]
    if not categories:
        return None
    counts = Counter(c.pk for c in categories)
    best = max(counts.values())
    return next(c for c in categories if counts[c.pk] == best)


def _resolve_category(errors: _Errors, value) -> Category | None:
    if value is None or value == "":
        return None
    if isinstance(value, Category):
        return value
    if errors.nul("product_category", value):
        return None
    category = Category.objects.filter(slug=str(value).strip()).first()
    if category is None:
        errors.add("product_category", f"No category {value!r}.")
    return category


@transaction.atomic
def rfq_create(
    *,
    full_name: str,
    email: str,
    items: list[dict],
    company: str = "",
    country: str = "",
    phone: str = "",
    customer: User | None = None,
    inquiry: Model | UUID | str | None = None,
    budget_range: str = "",
    timeline: str = "",
    requirements: str = "",
    specifications: dict | None = None,
    actor: AnyUser | None = None,
    product_category: Category | str | None = None,
    assigned_to: User | None = None,
) -> RFQ:
    """Validate, number (RFQ-2026-000123), store the RFQ and its items, and queue the requester's
    confirmation and the sales alert. ``inquiry`` (a leads inquiry or its id) may come with no
    items: the inquiry's message is the requirement. ``product_category`` (a slug) is derived
    from the items' products when not given. Raises ValidationError with dotted attrs."""
    errors = _Errors()
    full_name = _clean_text(errors, "full_name", full_name, required=True)
    email = _clean_text(errors, "email", email, required=True).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", "Enter a valid email address.")
    company = _clean_text(errors, "company", company)
    budget_range = _clean_text(errors, "budget_range", budget_range)
    timeline = _clean_text(errors, "timeline", timeline)
    requirements = _clean_text(errors, "requirements", requirements)
    try:
        country = country_code_normalize(country if isinstance(country, str) else "")
    except ValidationError as exc:
        errors.add("country", exc.messages[0])
    phone = _clean_text(errors, "phone", phone)
    if phone and not PHONE.fullmatch(phone):
        errors.add("phone", "Use digits, spaces and ( ) . / -, optionally starting with +.")
    if specifications is None:
        specifications = {}
    if not isinstance(specifications, dict):
        errors.add("specifications", "Must be an object.")
    elif errors.nul("specifications", specifications):
        pass
    elif len(json.dumps(specifications, default=str)) > settings.RFQ_MAX_SPECIFICATIONS_BYTES:
        errors.add("specifications", f"At most {settings.RFQ_MAX_SPECIFICATIONS_BYTES} bytes of JSON.")
    inquiry_id = inquiry.pk if isinstance(inquiry, Model) else inquiry
    rows = _clean_items(errors, items, allow_empty=inquiry_id is not None)
    category = _resolve_category(errors, product_category)
    errors.raise_any()

    sequence = rfq_sequence_next()
    rfq = RFQ.objects.create(
        number=rfq_number_for(sequence=sequence),
        sequence=sequence,
        customer=customer if customer is not None and customer.is_authenticated else None,
        inquiry_id=inquiry_id,
        full_name=full_name,
        email=email,
        company=company,
        country=country,
        phone=phone,
        product_category=category or _category_of(rows),
        budget_range=budget_range,
        timeline=timeline,
        requirements=requirements,
        specifications=specifications,
    )
    RFQItem.objects.bulk_create(
        [
            RFQItem(
                rfq=rfq,
                product=row["product_obj"],
                variant=row["variant_obj"],
                product_name=(
                    f"{row['product_obj'].name} — {row['variant_obj'].name}"
                    if row["variant_obj"] is not None
                    else row["product_obj"].name
                ),
                sku=row["variant_obj"].sku if row["variant_obj"] is not None else "",
                quantity=row["quantity"],
                notes=row["notes"],
                position=position,
            )
            for position, row in enumerate(rows)
        ]
    )
    RFQStatusHistory.objects.create(
        rfq=rfq,
        from_status="",
        to_status=rfq.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason="converted from an inquiry" if inquiry_id is not None else "submitted",
    )
    if is_staff_user(actor):
        activity_record(actor=actor, action="create", entity=rfq, after=snapshot(rfq))
    if assigned_to is not None:
        _assign(rfq=rfq, assignee=assigned_to, actor=actor, notify=False)
    emails.rfq_submitted_emails_queue(rfq=rfq)
    return rfq


# --- Status ------------------------------------------------------------------------------------


def _withdraw_open_quotes(*, rfq: RFQ, actor: AnyUser | None) -> int:
    """The RFQ was closed: its draft and sent quotes are ``withdrawn`` (nobody can accept or
    send them any more), in the caller's transaction. Returns how many."""
    withdrawn = 0
    for quote in Quote.objects.select_for_update().filter(rfq=rfq, status__in=workflows.QUOTE_OPEN):
        workflows.quote_transition_check(current=quote.status, target=Quote.Status.WITHDRAWN)
        before = quote.status
        quote.status = Quote.Status.WITHDRAWN
        quote.save(update_fields=["status", "updated_at"])
        activity_record(
            actor=actor,
            action="withdraw",
            entity=quote,
            before={"status": before},
            after={"status": quote.status, "reason": f"RFQ {rfq.number} {rfq.status}"},
        )
        withdrawn += 1
    return withdrawn


def rfq_move(*, rfq: RFQ, target: str, actor: AnyUser | None, reason: str = "") -> RFQ:
    """Apply ``target`` to a LOCKED RFQ after the state machine allows it (for the flows: quote
    sent, accepted, declined). Records the history and the activity log. When the RFQ reaches a
    final state (won, lost, cancelled), its quotes still open (draft, sent) are withdrawn in the
    same transaction, so none of them can be accepted afterwards."""
    workflows.transition_check(current=rfq.status, target=target)
    nul_free_check({"reason": reason})
    before = rfq.status
    rfq.status = target
    fields = ["status", "updated_at"]
    if target in workflows.FINAL:
        rfq.decision_date = timezone.now()
        fields.append("decision_date")
    rfq.save(update_fields=fields)
    RFQStatusHistory.objects.create(
        rfq=rfq,
        from_status=before,
        to_status=target,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )
    activity_record(
        actor=actor,
        action="transition",
        entity=rfq,
        before={"status": before},
        after={"status": target, "reason": reason},
    )
    if target in workflows.FINAL:
        _withdraw_open_quotes(rfq=rfq, actor=actor)
    return rfq


@transaction.atomic
def rfq_transition(*, rfq: RFQ, target: str, actor: AnyUser | None, reason: str = "") -> RFQ:
    """A staff member moves an RFQ along by name (lost, cancelled, won for a deal closed
    elsewhere). ``quoted`` happens by sending a quote; anything else → 409."""
    rfq = rfq_lock(rfq=rfq)
    workflows.staff_transition_check(current=rfq.status, target=target)
    return rfq_move(rfq=rfq, target=target, actor=actor, reason=reason)


# --- Assignment --------------------------------------------------------------------------------


def _assign(*, rfq: RFQ, assignee: User, actor: AnyUser | None, notify: bool = True) -> RFQ:
    """On a LOCKED (or just created) RFQ: the assignee gets view/change object permissions on it,
    the previous assignee loses them."""
    previous = rfq.assigned_to
    if assignee is not None and (not assignee.is_active or not has_role(assignee, SALES, ADMIN)):
        raise ApplicationError(
            "RFQs are assigned to active sales users.", code="invalid_assignee", attr="assigned_to"
        )
    if (previous.pk if previous else None) == (assignee.pk if assignee else None):
        return rfq
    if previous is not None:
        for perm in ASSIGNEE_PERMS:
            object_permission_revoke(user=previous, perm=perm, obj=rfq)
    if assignee is not None:
        for perm in ASSIGNEE_PERMS:
            object_permission_grant(user=assignee, perm=perm, obj=rfq)
    rfq.assigned_to = assignee
    rfq.save(update_fields=["assigned_to", "updated_at"])
    activity_record(
        actor=actor,
        action="assign",
        entity=rfq,
        before={"assigned_to": str(previous.pk) if previous else None},
        after={"assigned_to": str(assignee.pk) if assignee else None},
    )
    if notify and assignee is not None and assignee != actor:
        emails.rfq_assigned_notify(rfq=rfq, assignee=assignee)
    return rfq


@transaction.atomic
def rfq_assign(*, rfq: RFQ, assignee: User, actor: AnyUser | None) -> RFQ:
    """Assign the RFQ to a sales user (None: unassign). The assignee is told by email and an
    in-app notification (unless they assigned it to themselves)."""
    return _assign(rfq=rfq_lock(rfq=rfq), assignee=assignee, actor=actor)


# --- Staff update (PATCH) ----------------------------------------------------------------------

UPDATE_FIELDS = ["notes"]


@transaction.atomic
def rfq_update(*, rfq: RFQ, data: dict, actor: AnyUser | None) -> RFQ:
    """Staff changes: ``notes``; ``status`` through the state machine (with ``reason``);
    ``assigned_to`` (a user or None). One transaction: all or nothing."""
    nul_free_check({name: data[name] for name in ("notes", "reason") if name in data})
    rfq = rfq_lock(rfq=rfq)
    before = snapshot(rfq)
    rfq, updated = model_update(instance=rfq, fields=UPDATE_FIELDS, data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=rfq, before=before, after=snapshot(rfq))
    if "assigned_to" in data:
        _assign(rfq=rfq, assignee=data["assigned_to"], actor=actor)
    if "status" in data and data["status"] != rfq.status:
        workflows.staff_transition_check(current=rfq.status, target=data["status"])
        rfq_move(rfq=rfq, target=data["status"], actor=actor, reason=data.get("reason", ""))
    return rfq


# --- Entered by staff in the admin ---------------------------------------------------------------


def rfq_number_assign(*, rfq: RFQ) -> RFQ:
    """Give a new (unsaved) RFQ its number, inside the caller's transaction."""
    if not rfq.number:
        rfq.sequence = rfq_sequence_next()
        rfq.number = rfq_number_for(sequence=rfq.sequence)
    return rfq


def rfq_history_start(*, rfq: RFQ, actor: AnyUser | None, reason: str) -> None:
    RFQStatusHistory.objects.create(
        rfq=rfq,
        from_status="",
        to_status=rfq.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def item_label(*, product: Product, variant: Variant | None) -> str:
    return f"{product.name} — {variant.name}" if variant is not None else product.name


@transaction.atomic
def rfq_items_refresh(*, rfq: RFQ) -> RFQ:
    """After staff edited the items: each item's product follows its SKU, the kept labels
    (product name, SKU) follow the catalog links, and the RFQ gets a category from its items'
    products if it has none."""
    items = list(rfq.items.select_related("product__category", "variant__product__category"))
    for item in items:
        if item.variant is not None:  # fetched with the item (select_related)
            item.product = item.variant.product
        if item.product is not None:
            item.product_name = item_label(product=item.product, variant=item.variant)
            item.sku = item.variant.sku if item.variant is not None else ""
    RFQItem.objects.bulk_update(items, ["product", "product_name", "sku"])
    if rfq.product_category_id is None:
        category = _category_of([{"product_obj": item.product} for item in items if item.product_id])
        if category is not None:
            rfq.product_category = category
            rfq.save(update_fields=["product_category", "updated_at"])
    return rfq
