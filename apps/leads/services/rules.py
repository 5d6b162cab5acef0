"""Scoring rules: their writes (each one rescores the open inquiries in the background) and
the rescoring itself, in batches."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from apps.core.activity import activity_record, snapshot
from apps.core.memo import VersionedMemo
from apps.core.services import model_update

from ..models import Inquiry, LeadScoringRule
from ..scoring import CompiledRule, columns_needed, condition_errors, inquiry_facts, score

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

logger = logging.getLogger(__name__)

RULE_FIELDS = ["rule_name", "rule_type", "condition", "score_value", "is_active", "position"]
# Every inquiry column a condition may read ("email_domain" comes from "email").
SCORED_COLUMNS = (
    "inquiry_type", "full_name", "email", "phone", "company", "country", "message", "source", "metadata",
)  # fmt: skip
RESCORE_QUEUED_KEY = "leads:rescore-queued"
RESCORE_QUEUED_SECONDS = 120


# --- Rules ----------------------------------------------------------------------------------


def condition_validate(*, condition: object) -> None:
    """Raise ValidationError keyed by the attr path of each problem (``condition.gte``)."""
    errors: dict[str, list[str]] = {}
    for path, message in condition_errors(condition):
        errors.setdefault(f"condition.{path}" if path else "condition", []).append(message)
    if errors:
        raise ValidationError(errors)


def active_rules() -> list[CompiledRule]:
    """The active rules, compiled, in evaluation order: every public inquiry is scored with
    them, so each process keeps them until a rule is written (``ACTIVE_RULES``, invalidated
    by the signals in ``apps.leads.signals``)."""
    return list(ACTIVE_RULES.get())


def _active_rules_compute() -> tuple[CompiledRule, ...]:
    rows = (
        LeadScoringRule.objects.filter(is_active=True)
        .order_by("position", "rule_name", "pk")
        .values_list("pk", "rule_name", "score_value", "condition")
    )
    rules = []
    for pk, name, value, condition in rows:
        if condition_errors(condition):  # written around the services (e.g. SQL): never scored
            logger.warning("scoring rule %s has an invalid condition; skipped", pk)
            continue
        rules.append(CompiledRule.of(rule_id=pk, rule_name=name, score_value=value, condition=condition))
    return tuple(rules)


ACTIVE_RULES = VersionedMemo("leads:active-rules", _active_rules_compute)


def _check(rule: LeadScoringRule) -> None:
    condition_validate(condition=rule.condition)
    rule.full_clean(validate_unique=False)


@transaction.atomic
def rule_create(*, data: dict, actor: AnyUser | None) -> LeadScoringRule:
    rule = LeadScoringRule(**{k: v for k, v in data.items() if k in RULE_FIELDS})
    _check(rule)
    rule.save()
    activity_record(actor=actor, action="create", entity=rule, after=snapshot(rule))
    rescore_request()
    return rule


@transaction.atomic
def rule_update(*, rule: LeadScoringRule, data: dict, actor: AnyUser | None) -> LeadScoringRule:
    rule = LeadScoringRule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule)
    if "condition" in data:
        condition_validate(condition=data["condition"])
    rule, updated = model_update(instance=rule, fields=RULE_FIELDS, data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=rule, before=before, after=snapshot(rule))
        rescore_request()
    return rule


@transaction.atomic
def rule_delete(*, rule: LeadScoringRule, actor: AnyUser | None) -> None:
    before, entity_id = snapshot(rule), str(rule.pk)
    rule.delete()
    activity_record(
        actor=actor,
        action="delete",
        entity_type=LeadScoringRule._meta.label_lower,
        entity_id=entity_id,
        before=before,
    )
    rescore_request()


# --- Rescoring --------------------------------------------------------------------------------


def rescore_request() -> None:
    """Once the current transaction commits, queue one rescoring of the open inquiries. Changes
    made while a rescoring is queued but not started share it (it reads the rules as it goes)."""

    def enqueue():
        from ..tasks import rescore_open_inquiries

        if cache.add(RESCORE_QUEUED_KEY, 1, RESCORE_QUEUED_SECONDS):
            rescore_open_inquiries.delay()

    transaction.on_commit(enqueue)


def rescore_started() -> None:
    """Called by the task as it starts: a rule change from now on queues a new rescoring."""
    cache.delete(RESCORE_QUEUED_KEY)


def inquiry_score_apply(*, inquiry: Inquiry, rules: list[CompiledRule] | None = None) -> bool:
    """Compute the inquiry's score and matched rules in place; True when they changed."""
    rules = active_rules() if rules is None else rules
    facts = inquiry_facts({column: getattr(inquiry, column) for column in SCORED_COLUMNS})
    value, matched = score(facts, rules)
    changed = (value, matched) != (inquiry.lead_score, inquiry.matched_rules)
    inquiry.lead_score, inquiry.matched_rules = value, matched
    return changed


def _rescore_batch(*, after, batch_size: int) -> tuple[object, int, int]:
    """One batch, in its own transaction: lock the next open inquiries (by pk), read the rules
    *after* the lock (so a batch never writes scores from rules older than those another
    rescoring already applied to it), score, write the ones that changed.
    Returns (last pk or None when done, rows seen, rows changed)."""
    with transaction.atomic():
        locked = Inquiry.objects.open().order_by("pk").select_for_update()
        if after is not None:
            locked = locked.filter(pk__gt=after)
        pks = list(locked.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return None, 0, 0
        rules = active_rules()
        columns = sorted(columns_needed(rules))
        rows = Inquiry.objects.filter(pk__in=pks).values_list("pk", "lead_score", "matched_rules", *columns)
        changed = []
        for pk, old_score, old_matched, *values in rows:
            new_score, matched = score(inquiry_facts(dict(zip(columns, values, strict=True))), rules)
            if new_score != old_score or matched != old_matched:
                changed.append((pk, new_score, matched))
        if changed:
            _scores_write(changed)
        return pks[-1], len(pks), len(changed)


def _scores_write(rows: list[tuple]) -> None:
    """Write (pk, score, matched rules) rows in one statement: on PostgreSQL an UPDATE joined to
    a VALUES list (linear; bulk_update's CASE per row is quadratic in the batch size), elsewhere
    bulk_update in small statements."""
    if connection.vendor != "postgresql":
        objs = [Inquiry(pk=pk, lead_score=value, matched_rules=matched) for pk, value, matched in rows]
        Inquiry.objects.bulk_update(objs, ["lead_score", "matched_rules"], batch_size=100)
        return
    table = connection.ops.quote_name(Inquiry._meta.db_table)
    values = ", ".join(["(%s::uuid, %s::smallint, %s::jsonb)"] * len(rows))
    params = [p for pk, value, matched in rows for p in (pk, value, json.dumps(matched))]
    # Only placeholders and the table name are formatted in; every value is a bound parameter.
    sql = (
        f"UPDATE {table} AS i SET lead_score = v.score, matched_rules = v.matched "  # noqa: S608
        f"FROM (VALUES {values}) AS v(id, score, matched) WHERE i.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def inquiries_rescore(*, batch_size: int | None = None) -> dict:
    """Rescore every open inquiry (new, in progress) with the active rules, in batches of
    LEADS_RESCORE_BATCH_SIZE: memory stays constant, each batch commits on its own (concurrent
    writers wait for one batch at most), and only changed rows are written (bulk_update)."""
    batch_size = batch_size or settings.LEADS_RESCORE_BATCH_SIZE
    after, seen, changed = None, 0, 0
    while True:
        after, batch_seen, batch_changed = _rescore_batch(after=after, batch_size=batch_size)
        seen += batch_seen
        changed += batch_changed
        if after is None or batch_seen < batch_size:
            break
    return {"seen": seen, "changed": changed}
