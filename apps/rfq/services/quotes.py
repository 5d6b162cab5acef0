"""Quotes: versions (a new one supersedes the open ones), lines priced from the catalog when no
price is given, totals by the same rules orders use (``apps.orders.api.totals_for``: shipping
and tax per currency), sending, and the customer's acceptance (an order at the quoted prices)
or decline.

Locks: the RFQ first, then the quote — every flow here takes them in that order, so two
requests about one RFQ queue up instead of deadlocking.

Amounts: a quote's line totals, subtotal and total must fit Decimal(12, 2), like the order it
becomes (``apps.orders.api.MAX_ORDER_TOTAL``); larger ones are refused with 400
``quote_total_too_large`` before anything is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.api import AnyUser
from apps.catalog.api import Variant, price_expression, variant_by_sku
from apps.core.activity import activity_record, snapshot
from apps.core.errors import ApplicationError, Conflict
from apps.orders import api as orders

from .. import workflows
from ..currencies import quote_currency_normalize
from ..models import RFQ, Quote, QuoteLine
from ..validators import NUL_CODE, NUL_MESSAGE, contains_nul, nul_free_check
from . import emails
from .rfqs import rfq_lock, rfq_move

QS = Quote.Status
MAX_LINES = 200
MAX_QUANTITY = 1_000_000
# Quote amounts are Decimal(12, 2), like the order's they become: the largest a quote can hold.
MAX_QUOTE_TOTAL = orders.MAX_ORDER_TOTAL
MAX_UNIT_PRICE = MAX_QUOTE_TOTAL
TOO_LARGE = "quote_total_too_large"
EXPIRE_BATCH = 500

logger = logging.getLogger(__name__)


def quote_lock(*, quote: Quote) -> Quote:
    return Quote.objects.select_for_update().get(pk=quote.pk)


def _today() -> date:
    return timezone.now().date()


def quote_is_past_validity(*, quote: Quote, today: date | None = None) -> bool:
    return quote.valid_until < (today or _today())


def catalog_prices(*, variant_ids: Iterable[UUID | str], currency: str) -> dict:
    """{variant id: its catalog price in ``currency``} for the variants that have one."""
    rows = (
        Variant.objects.filter(pk__in=list(variant_ids))
        .annotate(amount=price_expression(currency=currency.upper()))
        .values_list("pk", "amount")
    )
    return {pk: amount for pk, amount in rows if amount is not None}


def line_description(*, variant: Variant) -> str:
    return f"{variant.product.name} — {variant.name}"


def default_valid_until() -> date:
    return _today() + timedelta(days=settings.RFQ_QUOTE_VALID_DAYS)


def currency_clean(*, value: object) -> str:
    """The quote's currency, upper-cased; ValidationError on ``currency`` unless it is a sellable
    ISO 4217 currency (``apps.rfq.currencies``)."""
    try:
        return quote_currency_normalize(value)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.error_list}) from exc


# --- Amounts -----------------------------------------------------------------------------------


def line_total_for(*, unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    return orders.money_round(orders.money_round(unit_price, currency) * quantity, currency)


def too_large_message(*, what: str, amount: Decimal, currency: str) -> str:
    return (
        f"The {what} {amount:,.2f} {currency} is more than a quote can hold "
        f"({MAX_QUOTE_TOTAL:,.2f}): lower the quantity or the price, or split it into several quotes."
    )


def quote_totals_check(*, line_totals: list[Decimal], currency: str) -> orders.Totals:
    """The totals of these line totals by the orders' rules (shipping, tax). ValidationError
    ``quote_total_too_large`` on ``lines.<i>.quantity`` for a line total, or on ``lines`` for the
    total, that would not fit Decimal(12, 2)."""
    errors = {
        f"lines.{index}.quantity": [
            ValidationError(
                too_large_message(what="line total", amount=amount, currency=currency), code=TOO_LARGE
            )
        ]
        for index, amount in enumerate(line_totals)
        if amount > MAX_QUOTE_TOTAL
    }
    if errors:
        raise ValidationError(errors)
    totals = orders.totals_for(subtotal=sum(line_totals, Decimal("0")), currency=currency)
    if totals.total > MAX_QUOTE_TOTAL:
        what = "subtotal" if totals.subtotal > MAX_QUOTE_TOTAL else "total"
        amount = totals.subtotal if what == "subtotal" else totals.total
        message = too_large_message(what=what, amount=amount, currency=currency)
        raise ValidationError({"lines": [ValidationError(message, code=TOO_LARGE)]})
    return totals


def variant_for_pricing(*, variant_id: UUID | str) -> Variant | None:
    """The variant (with its product) by id; ValidationError for a malformed id."""
    return Variant.objects.select_related("product").filter(pk=variant_id).first()


# --- Opening and pricing -----------------------------------------------------------------------


def _supersede_open_quotes(*, rfq: RFQ, actor: AnyUser | None) -> None:
    for previous in Quote.objects.select_for_update().filter(rfq=rfq, status__in=(QS.DRAFT, QS.SENT)):
        workflows.quote_transition_check(current=previous.status, target=QS.SUPERSEDED)
        before = previous.status
        previous.status = QS.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
        activity_record(
            actor=actor,
            action="supersede",
            entity=previous,
            before={"status": before},
            after={"status": previous.status},
        )


@transaction.atomic
def quote_open(*, quote: Quote, actor: AnyUser | None) -> Quote:
    """Save a new (unsaved) quote as the next version of its RFQ, in ``draft``; the RFQ's open
    quotes (draft, sent) are superseded. The RFQ must still be pending or quoted."""
    rfq = rfq_lock(rfq=quote.rfq)
    if rfq.status not in workflows.QUOTABLE:
        raise Conflict(
            f"RFQ {rfq.number} is {rfq.status}: no more quotes.", code="invalid_transition", attr="rfq"
        )
    quote.currency = currency_clean(value=quote.currency)
    nul_free_check({"notes": quote.notes})
    if quote.valid_until is None:
        quote.valid_until = default_valid_until()
    if quote.valid_until < _today():
        raise ValidationError({"valid_until": ["Must be today or later."]})
    _supersede_open_quotes(rfq=rfq, actor=actor)
    quote.rfq = rfq
    quote.version = (Quote.objects.filter(rfq=rfq).aggregate(n=Max("version"))["n"] or 0) + 1
    quote.status = QS.DRAFT
    if actor is not None and actor.is_authenticated:
        quote.created_by = actor
    quote.save()
    return quote


@transaction.atomic
def quote_recompute(*, quote: Quote) -> Quote:
    """Complete and price a DRAFT quote's lines: the SKU and description from the variant when
    missing, a blank unit price from the catalog in the quote's currency, each line total, then
    subtotal, shipping, tax and total by the orders' rules. A sent quote is frozen."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != QS.DRAFT:
        raise Conflict("Only a draft quote can change.", code="quote_not_draft", attr="status")
    lines = list(quote.lines.select_related("variant__product").order_by("position", "created_at"))
    prices = catalog_prices(
        variant_ids=[ln.variant_id for ln in lines if ln.variant_id], currency=quote.currency
    )
    for line in lines:
        if line.variant is not None:  # fetched with the line (select_related)
            line.sku = line.sku or line.variant.sku
            line.description = line.description or line_description(variant=line.variant)
        if line.unit_price is None:
            if line.variant_id not in prices:
                raise ApplicationError(
                    f"{line.sku} has no catalog price in {quote.currency}: enter a unit price.",
                    code="no_catalog_price",
                    attr="unit_price",
                )
            line.unit_price = prices[line.variant_id]
        line.unit_price = orders.money_round(line.unit_price, quote.currency)
        line.line_total = line_total_for(
            unit_price=line.unit_price, quantity=line.quantity, currency=quote.currency
        )
    # Before anything is written: an amount too large for Decimal(12, 2) → 400, not a DB error.
    totals = quote_totals_check(line_totals=[line.line_total for line in lines], currency=quote.currency)
    QuoteLine.objects.bulk_update(lines, ["sku", "description", "unit_price", "line_total"])
    quote.subtotal, quote.shipping, quote.tax, quote.total = (
        totals.subtotal,
        totals.shipping,
        totals.tax,
        totals.total,
    )
    quote.save(update_fields=["subtotal", "shipping", "tax", "total", "updated_at"])
    return quote


def _clean_lines(lines, *, currency: str) -> list[dict[str, Any]]:
    """``[{sku, quantity, unit_price?, description?}]`` → rows with the variant resolved and the
    unit price (the catalog's in ``currency`` when not given). Every problem at once, with
    dotted attrs (``lines.0.sku``); then line totals and the total too large for a quote
    (``quote_total_too_large``)."""
    errors: dict[str, list[str | ValidationError]] = {}
    if not isinstance(lines, list) or not lines:
        raise ValidationError({"lines": ["Add at least one line."]})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [f"At most {MAX_LINES} lines."]})
    rows: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        at = f"lines.{index}"
        if not isinstance(line, dict):
            errors.setdefault(at, []).append("Must be an object with sku, quantity and unit_price.")
            continue
        nul = [name for name in ("sku", "description") if contains_nul(line.get(name))]
        for name in nul:
            errors.setdefault(f"{at}.{name}", []).append(ValidationError(NUL_MESSAGE, code=NUL_CODE))
        if nul:
            continue
        sku = str(line.get("sku") or "").strip()
        variant = variant_by_sku(sku=sku) if sku else None
        if variant is None:
            errors.setdefault(f"{at}.sku", []).append(
                f"No SKU {sku!r} in the catalog." if sku else "This field is required."
            )
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            errors.setdefault(f"{at}.quantity", []).append(f"A whole number from 1 to {MAX_QUANTITY}.")
        unit_price = line.get("unit_price")
        if unit_price is not None:
            try:
                unit_price = Decimal(str(unit_price))
            except ArithmeticError:
                unit_price = None
                errors.setdefault(f"{at}.unit_price", []).append("A valid number is required.")
            else:
                if not unit_price.is_finite() or unit_price < 0 or unit_price > MAX_UNIT_PRICE:
                    errors.setdefault(f"{at}.unit_price", []).append("A price from 0 to 9999999999.99.")
        rows.append(
            {
                "at": at,
                "variant": variant,
                "quantity": quantity,
                "unit_price": unit_price,
                "description": str(line.get("description") or "").strip()[:400],
            }
        )
    missing = [r for r in rows if r["variant"] is not None and r["unit_price"] is None]
    if missing:
        prices = catalog_prices(variant_ids=[r["variant"].pk for r in missing], currency=currency)
        for row in missing:
            if row["variant"].pk in prices:
                row["unit_price"] = prices[row["variant"].pk]
            elif f"{row['at']}.unit_price" not in errors:
                errors.setdefault(f"{row['at']}.unit_price", []).append(
                    f"{row['variant'].sku} has no catalog price in {currency}: give a unit_price."
                )
    if errors:
        raise ValidationError(errors)
    quote_totals_check(
        line_totals=[
            line_total_for(unit_price=row["unit_price"], quantity=row["quantity"], currency=currency)
            for row in rows
        ],
        currency=currency,
    )
    return rows


@transaction.atomic
def quote_create(
    *,
    rfq: RFQ,
    currency: str,
    lines: list[dict],
    valid_until: date | None = None,
    notes: str = "",
    actor: AnyUser | None,
) -> Quote:
    """The RFQ's next quote version, in draft, with its lines priced (given prices, else the
    catalog's in ``currency``) and its totals; the previous open version is superseded."""
    currency = currency_clean(value=currency)
    nul_free_check({"notes": notes})
    rows = _clean_lines(lines, currency=currency)
    quote = quote_open(
        quote=Quote(
            rfq=rfq,
            currency=currency,
            valid_until=valid_until if valid_until is not None else default_valid_until(),
            notes=notes or "",
        ),
        actor=actor,
    )
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                variant=row["variant"],
                sku=row["variant"].sku,
                description=row["description"] or line_description(variant=row["variant"]),
                quantity=row["quantity"],
                unit_price=row["unit_price"],
                position=position,
            )
            for position, row in enumerate(rows)
        ]
    )
    quote = quote_recompute(quote=quote)
    activity_record(actor=actor, action="create", entity=quote, after=snapshot(quote))
    return quote


# --- Sending -----------------------------------------------------------------------------------


@transaction.atomic
def quote_send(*, quote: Quote, actor: AnyUser | None) -> Quote:
    """Email the quote to the requester (HTML + text, with lines and totals and the
    accept/decline link); a draft becomes ``sent`` and a pending RFQ ``quoted``. A sent quote
    may be sent again (the email repeats; ``sent_at`` moves)."""
    rfq = rfq_lock(rfq=quote.rfq)
    quote = quote_lock(quote=quote)
    if quote.status != QS.SENT:
        workflows.quote_transition_check(current=quote.status, target=QS.SENT)
    if quote_is_past_validity(quote=quote):
        raise Conflict(
            "This quote's validity has passed: make a new version.", code="quote_expired", attr="valid_until"
        )
    if not quote.lines.exists():
        raise ApplicationError("A quote needs at least one line.", code="quote_empty", attr="lines")
    if rfq.status not in workflows.QUOTABLE:
        raise Conflict(f"RFQ {rfq.number} is {rfq.status}.", code="invalid_transition", attr="status")
    before = quote.status
    quote.status = QS.SENT
    quote.sent_at = timezone.now()
    quote.save(update_fields=["status", "sent_at", "updated_at"])
    rfq.quote_sent_at = quote.sent_at
    rfq.save(update_fields=["quote_sent_at", "updated_at"])
    quote.rfq = rfq
    if rfq.status == RFQ.Status.PENDING:
        rfq_move(
            rfq=rfq,
            target=RFQ.Status.QUOTED,
            actor=actor,
            reason=f"quote v{quote.version} sent",
        )
    activity_record(
        actor=actor,
        action="send",
        entity=quote,
        before={"status": before},
        after={"status": quote.status, "sent_at": quote.sent_at},
        only_changes=False,
    )
    emails.quote_sent_email_queue(quote=quote)
    return quote


# --- The customer's answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedQuote:
    quote: Quote
    order: object  # apps.orders Order
    payment: object | None  # its payment (the one to complete), when there is one
    created: bool  # False when the quote had already been accepted (the same order again)


def _closed(quote: Quote, target: str, *, rfq: RFQ) -> None:
    """409 with the reason a quote in this state cannot go to ``target``."""
    rfq_closed = quote.status in workflows.QUOTE_OPEN and rfq.status in workflows.FINAL
    if quote.status == QS.WITHDRAWN or rfq_closed:
        raise Conflict(
            f"Request {rfq.number} was closed ({rfq.status}), so this quote was withdrawn: "
            "it can no longer be accepted or declined. Ask us for a new quote.",
            code=workflows.QUOTE_CLOSED_CODES[QS.WITHDRAWN][0],
            attr="status",
            extra={"current": quote.status, "rfq_status": rfq.status},
        )
    workflows.quote_transition_check(current=quote.status, target=target)
    if target == QS.ACCEPTED and quote_is_past_validity(quote=quote):
        raise Conflict(
            f"This quote was valid until {quote.valid_until.isoformat()}.",
            code="quote_expired",
            attr="valid_until",
        )


def _latest_payment(order):
    return order.payments.order_by("-created_at").first()


def accepted_order_hold_until(*, quote: Quote, now: datetime | None = None) -> datetime:
    """How long the order placed from an accepted quote holds its stock unpaid (the order's
    ``reserved_until``; the unpaid-order expiry job cancels it after that).

    A checkout order holds stock for ORDER_RESERVATION_MINUTES, but a quote's customer often pays
    by bank transfer against the quote, which takes days. So the order is held until the end of
    the quote's last valid day (``valid_until``, UTC) — the customer was promised these prices and
    this stock until then — capped at RFQ_ACCEPTED_ORDER_HOLD_DAYS from now (default 7) so a
    long-valid quote cannot lock stock away for weeks, and never shorter than a checkout's hold
    (a quote accepted minutes before midnight on its last day still gets
    ORDER_RESERVATION_MINUTES to pay)."""
    now = now or timezone.now()
    end_of_validity = datetime.combine(quote.valid_until + timedelta(days=1), time.min, tzinfo=UTC)
    cap = now + timedelta(days=settings.RFQ_ACCEPTED_ORDER_HOLD_DAYS)
    floor = now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES)
    return max(floor, min(end_of_validity, cap))


def _place_order(*, rfq: RFQ, quote: Quote, shipping_address, billing_address, reason: str):
    """The order of a quote: its lines at the QUOTED prices, the quote's own shipping and tax
    (so the order's total is exactly the quote's, whatever the shipping and tax settings are
    now), stock held until ``accepted_order_hold_until``."""
    if not shipping_address:
        raise ValidationError(
            {
                "shipping_address": [
                    ValidationError(
                        "A shipping address is required to accept a quote: the order ships there.",
                        code="required",
                    )
                ]
            }
        )
    line_requests = []
    for index, line in enumerate(quote.lines.order_by("position", "created_at")):
        if line.variant_id is None:
            raise Conflict(
                f"{line.sku} is no longer in the catalog; ask for a new quote.",
                code="quote_line_unavailable",
                attr=f"lines.{index}",
            )
        line_requests.append(
            orders.OrderLineRequest(
                variant_id=line.variant_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                name=line.description or None,
            )
        )
    return orders.order_place(
        email=rfq.contact_email,
        currency=quote.currency,
        lines=line_requests,
        shipping_address=shipping_address,
        billing_address=billing_address,
        customer=rfq.customer,
        reason=reason,
        shipping=quote.shipping,
        tax=quote.tax,
        reserved_until=accepted_order_hold_until(quote=quote),
    )


def _replace_cancelled_order(
    *, rfq: RFQ, quote: Quote, order, actor, shipping_address, billing_address
) -> AcceptedQuote:
    """An accepted quote whose order was cancelled (its payment did not come in time): while
    the quote is still valid, accepting it again places a new order on the same terms; after
    that → 409 ``quote_order_cancelled``. The quote stays ``accepted`` and the RFQ ``won``."""
    if quote_is_past_validity(quote=quote):
        raise Conflict(
            f"Order {order.number} placed from this quote was cancelled (no payment in time) and the "
            f"quote was valid until {quote.valid_until.isoformat()}: ask us for a new quote.",
            code="quote_order_cancelled",
            attr="status",
            extra={"order": order.number},
        )
    placed = _place_order(
        rfq=rfq,
        quote=quote,
        shipping_address=shipping_address,
        billing_address=billing_address,
        reason=f"quote {rfq.number} v{quote.version} accepted again (order {order.number} was cancelled)",
    )
    quote.order = placed.order
    quote.save(update_fields=["order", "updated_at"])
    quote.rfq = rfq
    activity_record(
        actor=actor,
        action="reaccept",
        entity=quote,
        before={"order": order.number, "order_status": order.status},
        after={"order": placed.order.number, "order_total": placed.order.total},
        only_changes=False,
    )
    return AcceptedQuote(quote=quote, order=placed.order, payment=placed.payment, created=True)


@transaction.atomic
def quote_accept(
    *,
    quote: Quote,
    actor: AnyUser | None = None,
    shipping_address: dict | None = None,
    billing_address: dict | None = None,
) -> AcceptedQuote:
    """The customer accepts: an order in ``pending_payment`` at the QUOTED prices and with the
    quote's shipping and tax (its total is the quote's), its stock held until
    ``accepted_order_hold_until`` and its payment started (``apps.orders.api.order_place``); the
    quote ``accepted``, the RFQ ``won``. ``shipping_address`` is required (400 on that attr).

    Accepting an accepted quote returns the same order (``created`` False) — unless that order
    was cancelled (unpaid in time): then a new order while the quote is valid, else 409
    ``quote_order_cancelled``. Draft, declined, superseded or expired (``valid_until`` passed)
    → 409; a quote of a closed RFQ (withdrawn) → 409 ``quote_withdrawn``; not enough stock →
    409 and nothing changes."""
    rfq = rfq_lock(rfq=quote.rfq)
    quote = quote_lock(quote=quote)
    if quote.status == QS.ACCEPTED and quote.order_id:
        order = orders.order_by_id(order_id=quote.order_id)
        if order is None:  # cannot happen: the quote's order is protected from deletion
            raise RuntimeError(f"quote {quote.pk}: its order {quote.order_id} is missing")
        if order.status != order.Status.CANCELLED:
            return AcceptedQuote(quote=quote, order=order, payment=_latest_payment(order), created=False)
        return _replace_cancelled_order(
            rfq=rfq,
            quote=quote,
            order=order,
            actor=actor,
            shipping_address=shipping_address,
            billing_address=billing_address,
        )
    _closed(quote, QS.ACCEPTED, rfq=rfq)
    workflows.transition_check(current=rfq.status, target=RFQ.Status.WON)
    placed = _place_order(
        rfq=rfq,
        quote=quote,
        shipping_address=shipping_address,
        billing_address=billing_address,
        reason=f"quote {rfq.number} v{quote.version} accepted",
    )
    quote.status = QS.ACCEPTED
    quote.accepted_at = timezone.now()
    quote.order = placed.order
    quote.save(update_fields=["status", "accepted_at", "order", "updated_at"])
    quote.rfq = rfq
    activity_record(
        actor=actor,
        action="accept",
        entity=quote,
        after={
            "status": quote.status,
            "order": placed.order.number,
            "order_total": placed.order.total,
            "quote_total": quote.total,
        },
        only_changes=False,
    )
    rfq_move(
        rfq=rfq,
        target=RFQ.Status.WON,
        actor=actor,
        reason=f"quote v{quote.version} accepted: order {placed.order.number}",
    )
    return AcceptedQuote(quote=quote, order=placed.order, payment=placed.payment, created=True)


@transaction.atomic
def quote_decline(*, quote: Quote, actor: AnyUser | None = None, reason: str = "") -> Quote:
    """The customer declines: the quote ``declined`` with the reason, the RFQ ``lost``. Declining
    a declined quote changes nothing; any other closed quote → 409 (a withdrawn one, of a closed
    RFQ: ``quote_withdrawn``)."""
    nul_free_check({"reason": reason})
    rfq = rfq_lock(rfq=quote.rfq)
    quote = quote_lock(quote=quote)
    if quote.status == QS.DECLINED:
        return quote
    _closed(quote, QS.DECLINED, rfq=rfq)
    reason = (reason or "").strip()[:2000]
    workflows.transition_check(current=rfq.status, target=RFQ.Status.LOST)
    quote.status = QS.DECLINED
    quote.declined_at = timezone.now()
    quote.decline_reason = reason
    quote.save(update_fields=["status", "declined_at", "decline_reason", "updated_at"])
    quote.rfq = rfq
    activity_record(
        actor=actor,
        action="decline",
        entity=quote,
        after={"status": quote.status, "reason": reason},
        only_changes=False,
    )
    rfq_move(
        rfq=rfq,
        target=RFQ.Status.LOST,
        actor=actor,
        reason=f"quote v{quote.version} declined" + (f": {reason}" if reason else ""),
    )
    return quote


@transaction.atomic
def quotes_expire(*, today: date | None = None, limit: int = EXPIRE_BATCH) -> int:
    """Mark sent quotes whose ``valid_until`` has passed as ``expired`` (the RFQ stays quoted:
    sales decide whether to send a new version). Rows another run holds are skipped."""
    today = today or _today()
    due = list(
        Quote.objects.filter(status=QS.SENT, valid_until__lt=today)
        .order_by("valid_until", "pk")
        .select_for_update(skip_locked=True)[:limit]
    )
    for quote in due:
        quote.status = QS.EXPIRED
        quote.save(update_fields=["status", "updated_at"])
        activity_record(
            actor=None,
            action="expire",
            entity=quote,
            before={"status": QS.SENT},
            after={"status": QS.EXPIRED},
            only_changes=False,
        )
    return len(due)
