"""Stock writes. Every change of a stock level goes through ``stock_change``, which writes the
level and exactly one ledger movement in one transaction. Rows that race are locked in one
order (stock level primary key), so concurrent reservations cannot deadlock; the database
CHECK ``0 <= reserved <= on_hand`` holds even if a rule here had a bug."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from apps.core.activity import activity_record, snapshot
from apps.core.errors import ApplicationError, Conflict, NotFound

from .models import Reservation, StockLevel, StockMovement, Warehouse

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser
    from apps.catalog.api import Variant

Reason = StockMovement.Reason


class InsufficientStock(Conflict):
    default_code = "insufficient_stock"

    def __init__(self, *, sku: str, requested: int, available: int, attr: str | None = None):
        super().__init__(
            f"Only {available} of {sku} available; {requested} requested.",
            attr=attr,
            extra={"sku": sku, "requested": requested, "available": available},
        )


class StockConflict(Conflict):
    default_code = "stock_conflict"


def _levels_locked(*, variant_ids, warehouse_ids=None) -> list[StockLevel]:
    """The stock levels of these variants, locked, always in primary-key order. With their
    warehouse (allocation reads its priority); not their variant: joining the catalog's
    variants makes PostgreSQL hash the whole variant table while other checkouts wait on the
    same rows (docs/benchmarks.md, "Figures behind code choices")."""
    qs = StockLevel.objects.filter(variant_id__in=list(variant_ids))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    return list(qs.select_related("warehouse").order_by("pk").select_for_update(of=("self",)))


def stock_level_get_or_create(*, variant: Variant, warehouse: Warehouse) -> StockLevel:
    try:
        with transaction.atomic():
            level, _ = StockLevel.objects.get_or_create(variant=variant, warehouse=warehouse)
    except IntegrityError:  # created concurrently
        level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    return level


@transaction.atomic
def stock_change(
    *,
    level: StockLevel,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reason: str,
    reference: str = "",
    actor: AnyUser | None = None,
    note: str = "",
) -> StockMovement:
    """Apply a change to a LOCKED stock level and write its movement. Raises StockConflict
    (the database refused it) if it would break ``0 <= reserved <= on_hand``."""
    if not on_hand_delta and not reserved_delta:
        raise ApplicationError("A stock change must change something.", code="empty_change")
    try:
        with transaction.atomic():
            StockLevel.objects.filter(pk=level.pk).update(
                on_hand=F("on_hand") + on_hand_delta,
                reserved=F("reserved") + reserved_delta,
                updated_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise StockConflict(
            f"That change would leave {level.variant.sku} at {level.warehouse.code} with "
            f"{level.on_hand + on_hand_delta} on hand and {level.reserved + reserved_delta} reserved; "
            "stock cannot go below zero nor below what is reserved."
        ) from exc
    level.on_hand += on_hand_delta
    level.reserved += reserved_delta
    return StockMovement.objects.create(
        stock_level=level,
        variant_id=level.variant_id,
        warehouse_id=level.warehouse_id,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        reason=reason,
        reference=reference[:100],
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


@transaction.atomic
def stock_adjust(
    *,
    variant: Variant,
    warehouse: Warehouse,
    quantity_delta: int,
    reason: str,
    note: str = "",
    actor: AnyUser | None = None,
) -> StockMovement:
    """A person's change of on-hand stock (received, damaged, count correction, returned,
    other). A delta that would make on_hand negative or less than what is reserved → 409."""
    if reason not in StockMovement.ADJUSTMENT_REASONS:
        raise ApplicationError(
            f"Use one of: {', '.join(StockMovement.ADJUSTMENT_REASONS)}.",
            code="invalid_choice",
            attr="reason",
        )
    if not quantity_delta:
        raise ApplicationError("quantity_delta cannot be 0.", code="invalid", attr="quantity_delta")
    stock_level_get_or_create(variant=variant, warehouse=warehouse)
    [level] = _levels_locked(variant_ids=[variant.pk], warehouse_ids=[warehouse.pk])
    before = snapshot(level)
    if level.on_hand + quantity_delta < level.reserved:
        floor = "0" if not level.reserved else f"{level.reserved} (reserved)"
        raise StockConflict(
            f"{variant.sku} at {warehouse.code} has {level.on_hand} on hand and {level.reserved} reserved: "
            f"a change of {quantity_delta:+} would take it below {floor}.",
            attr="quantity_delta",
        )
    movement = stock_change(
        level=level,
        on_hand_delta=quantity_delta,
        reason=reason,
        reference=f"adjustment:{variant.sku}@{warehouse.code}",
        actor=actor,
        note=note,
    )
    activity_record(actor=actor, action="adjust", entity=level, before=before, after=snapshot(level))
    return movement


@dataclass(frozen=True)
class ReservationRequest:
    variant_id: object
    sku: str
    quantity: int
    line_reference: str = ""


@transaction.atomic
def stock_reserve(
    *,
    lines: list[ReservationRequest],
    reference: str,
    expires_at: datetime | None,
    actor: AnyUser | None = None,
) -> list[Reservation]:
    """``stock_reserve_in_transaction`` in a transaction of its own (a savepoint inside the
    caller's): a short line leaves nothing reserved and the caller's transaction usable."""
    return stock_reserve_in_transaction(lines=lines, reference=reference, expires_at=expires_at, actor=actor)


def stock_reserve_in_transaction(
    *,
    lines: list[ReservationRequest],
    reference: str,
    expires_at: datetime | None,
    actor: AnyUser | None = None,
) -> list[Reservation]:
    """Reserve every line or nothing, inside the caller's transaction, which must roll back as
    a whole when this raises (no savepoint of its own; ``stock_reserve`` has one). Stock
    levels of all the lines' variants are locked in one query in primary-key order; each line
    takes from active warehouses by priority, never more than available. Any line short →
    InsufficientStock (409) naming it."""
    levels = _levels_locked(variant_ids={line.variant_id for line in lines})
    by_variant: dict = {}
    for level in sorted(levels, key=lambda lv: (lv.warehouse.priority, lv.warehouse.code)):
        if level.warehouse.is_active:
            by_variant.setdefault(level.variant_id, []).append(level)
    takes: list[tuple[StockLevel, ReservationRequest, int]] = []
    taken: dict = {}  # stock level pk → units taken by the lines before (a variant may recur)
    for index, line in enumerate(lines):
        candidates = by_variant.get(line.variant_id, [])
        available = sum(level.available - taken.get(level.pk, 0) for level in candidates)
        if available < line.quantity:
            raise InsufficientStock(
                sku=line.sku, requested=line.quantity, available=max(available, 0), attr=f"lines.{index}"
            )
        wanted = line.quantity
        for level in candidates:
            take = min(wanted, level.available - taken.get(level.pk, 0))
            if take <= 0:
                continue
            taken[level.pk] = taken.get(level.pk, 0) + take
            takes.append((level, line, take))
            wanted -= take
            if not wanted:
                break
    _changes_apply(
        changes=[(level, 0, take) for level, _, take in takes],
        reason=Reason.RESERVATION,
        reference=reference,
        actor=actor,
    )
    return Reservation.objects.bulk_create(
        [
            Reservation(
                stock_level=level,
                variant_id=level.variant_id,
                warehouse_id=level.warehouse_id,
                reference=reference,
                line_reference=line.line_reference,
                quantity=take,
                expires_at=expires_at,
            )
            for level, line, take in takes
        ]
    )


def _changes_apply(
    *, changes: list[tuple[StockLevel, int, int]], reason: str, reference: str, actor: AnyUser | None = None
) -> list[StockMovement]:
    """Several changes of LOCKED stock levels (level, on-hand delta, reserved delta) at once:
    what ``stock_change`` does for one, in one UPDATE and one insert of their movements. Inside
    a transaction that rolls back as a whole if this raises (StockConflict)."""
    if not changes:
        return []
    totals: dict = {}  # level pk → (on-hand delta, reserved delta), summed: one UPDATE for all
    for level, on_hand_delta, reserved_delta in changes:
        before = totals.get(level.pk, (0, 0))
        totals[level.pk] = (before[0] + on_hand_delta, before[1] + reserved_delta)

    def delta(index: int):
        return Case(
            *(When(pk=pk, then=Value(deltas[index])) for pk, deltas in totals.items()),
            default=Value(0),
            output_field=IntegerField(),
        )

    try:  # no savepoint: the caller's transaction rolls back as a whole when this raises
        StockLevel.objects.filter(pk__in=list(totals)).update(
            on_hand=F("on_hand") + delta(0), reserved=F("reserved") + delta(1), updated_at=timezone.now()
        )
    except IntegrityError as exc:
        raise StockConflict("Those changes would take stock below zero or below what is reserved.") from exc
    for level, on_hand_delta, reserved_delta in changes:
        level.on_hand += on_hand_delta
        level.reserved += reserved_delta
    actor = actor if actor is not None and actor.is_authenticated else None
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock_level=level,
                variant_id=level.variant_id,
                warehouse_id=level.warehouse_id,
                on_hand_delta=on_hand_delta,
                reserved_delta=reserved_delta,
                reason=reason,
                reference=reference[:100],
                actor=actor,
            )
            for level, on_hand_delta, reserved_delta in changes
        ]
    )


def _active_reservations_locked(reference: str) -> list[Reservation]:
    return list(
        Reservation.objects.filter(reference=reference, state=Reservation.State.ACTIVE)
        .order_by("stock_level_id", "pk")
        .select_for_update()
    )


@transaction.atomic
def reservations_commit(*, reference: str, actor: AnyUser | None = None) -> int:
    """The goods are sold (the order is paid): for each active reservation, on_hand and
    reserved both go down by its quantity, one ``sale`` movement each. Returns how many; 0 if
    already done (safe to call twice)."""
    return _settle(reference=reference, state=Reservation.State.COMMITTED, actor=actor)


@transaction.atomic
def reservations_release(*, reference: str, expired: bool = False, actor: AnyUser | None = None) -> int:
    """Give the reserved stock back (cancelled or expired): reserved goes down, one
    ``release`` movement each. Returns how many; 0 if already done."""
    state = Reservation.State.EXPIRED if expired else Reservation.State.RELEASED
    return _settle(reference=reference, state=state, actor=actor)


def _settle(*, reference: str, state: str, actor: AnyUser | None) -> int:
    reservations = _active_reservations_locked(reference)
    if not reservations:
        return 0
    levels = {lv.pk: lv for lv in _levels_locked(variant_ids={r.variant_id for r in reservations})}
    for reservation in reservations:
        level = levels[reservation.stock_level_id]
        if state == Reservation.State.COMMITTED:
            stock_change(
                level=level,
                on_hand_delta=-reservation.quantity,
                reserved_delta=-reservation.quantity,
                reason=Reason.SALE,
                reference=reference,
                actor=actor,
            )
        else:
            stock_change(
                level=level,
                reserved_delta=-reservation.quantity,
                reason=Reason.RELEASE,
                reference=reference,
                actor=actor,
                note="expired" if state == Reservation.State.EXPIRED else "",
            )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=state, updated_at=timezone.now()
    )
    return len(reservations)


@transaction.atomic
def stock_restock(
    *, variant: Variant, warehouse: Warehouse, quantity: int, reference: str, actor: AnyUser | None = None
) -> StockMovement:
    """Goods come back (a refund with restock): on_hand goes up, one ``returned`` movement."""
    if quantity <= 0:
        raise ApplicationError("quantity must be positive.", attr="quantity")
    stock_level_get_or_create(variant=variant, warehouse=warehouse)
    [level] = _levels_locked(variant_ids=[variant.pk], warehouse_ids=[warehouse.pk])
    return stock_change(
        level=level, on_hand_delta=quantity, reason=Reason.RETURNED, reference=reference, actor=actor
    )


def warehouse_get(*, code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise NotFound(f"No warehouse with code {code!r}.", attr="warehouse")
    return warehouse


@transaction.atomic
def low_stock_digest_send() -> int:
    """One email to each logistics user listing the stock levels that went low (available at
    or below the threshold) since the last digest. A level is listed once while it stays low;
    once back above its threshold it may be listed again. Overlapping runs skip rows another
    run holds, so nothing is listed twice. The emails go through the notifications outbox in
    this transaction (template ``low_stock_digest``). Returns how many levels were listed."""
    from apps.core.roles import LOGISTICS
    from apps.notifications.api import email_queue, role_emails

    from .selectors import stock_level_list

    StockLevel.objects.filter(
        pk__in=stock_level_list(low_stock=False).filter(low_stock_notified_at__isnull=False).values("pk")
    ).update(low_stock_notified_at=None)
    fresh = list(
        stock_level_list(low_stock=True)
        .filter(low_stock_notified_at__isnull=True, warehouse__is_active=True, variant__is_active=True)
        .select_for_update(skip_locked=True, of=("self",))
    )
    recipients = role_emails(role=LOGISTICS)
    if not fresh or not recipients:  # with nobody to tell, the levels wait for the next digest
        return 0
    StockLevel.objects.filter(pk__in=[lv.pk for lv in fresh]).update(low_stock_notified_at=timezone.now())
    context = {
        "count": len(fresh),
        "levels": [
            {
                "sku": lv.variant.sku,
                "product": lv.variant.product.name,
                "variant": lv.variant.name,
                "warehouse": lv.warehouse.code,
                "available": lv.available_qty,
                "on_hand": lv.on_hand,
                "reserved": lv.reserved,
                "threshold": lv.threshold,
            }
            for lv in fresh
        ],
    }
    for email in recipients:  # one email per person: recipients do not see each other
        email_queue(to=email, template="low_stock_digest", context=context)
    return len(fresh)
