"""Lead scoring: the condition language of the scoring rules, its validator and evaluator.

A rule's ``condition`` is one JSON object: the ``field`` it reads and one or more operators,
all of which must hold::

    {"field": "country", "in": ["NG", "US"]}
    {"field": "metadata.budget", "gte": 500000}
    {"field": "metadata.budget", "gte": 100000, "lt": 500000}     (both must hold)
    {"field": "message", "contains_any": ["urgent", "tender"]}
    {"field": "email_domain", "in": ["gmail.com", "yahoo.com"]}

Fields: the inquiry's ``inquiry_type, full_name, email, email_domain`` (the part after @),
``phone, company, country, message, source``, and ``metadata.<key>[.<key>...]`` for values
inside the inquiry's metadata (``metadata.budget``, ``metadata.org_type``,
``metadata.products``).

Operators (text is compared case-insensitively, after trimming):

- ``eq``, ``ne``: equal / not equal to a string, number or boolean. A number compares
  numerically (``"500,000"`` in the metadata equals ``500000``).
- ``in``, ``not_in``: (not) equal to one of a list of such values.
- ``gt``, ``gte``, ``lt``, ``lte``: numeric comparisons with a number; values that are not
  numbers (``"about 5k"``) never match.
- ``contains``: text contains the string (a substring), or a list holds it.
- ``contains_any``: text contains at least one of the strings, or a list holds one of them.

When the field holds a list (``metadata.products``), ``eq``/``in``/``contains``/``contains_any``
match when any element matches, and ``ne``/``not_in`` when no element does. A missing or empty
value matches no operator at all (so ``{"field": "country", "ne": "NG"}`` does not match an
inquiry without a country).

The score of an inquiry is the sum of the ``score_value`` of every active rule whose
condition matches (negative values subtract), clamped to 0..100. The rules that matched are
recorded on the inquiry (``matched_rules``) so staff can see why it scored what it did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

TOP_LEVEL_FIELDS = (
    "inquiry_type",
    "full_name",
    "email",
    "email_domain",
    "phone",
    "company",
    "country",
    "message",
    "source",
)
METADATA_PREFIX = "metadata."
METADATA_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MAX_METADATA_DEPTH = 5
MAX_LIST_ITEMS = 500
MAX_TEXT = 200

SCALAR_OPS = ("eq", "ne")
LIST_OPS = ("in", "not_in")
NUMBER_OPS = ("gt", "gte", "lt", "lte")
TEXT_OPS = ("contains",)
TEXT_LIST_OPS = ("contains_any",)
OPERATORS = (*SCALAR_OPS, *LIST_OPS, *NUMBER_OPS, *TEXT_OPS, *TEXT_LIST_OPS)

MIN_SCORE, MAX_SCORE = 0, 100

_NUMBER_NOISE = re.compile(r"[\s,_]")
_CURRENCY_PREFIX = re.compile(r"^[$€£₦¥]")


# --- Validation ---------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def _is_scalar(value) -> bool:
    return isinstance(value, (str, bool)) or _is_number(value)


def _field_error(field) -> str | None:
    if not isinstance(field, str) or not field.strip():
        return 'Name the field the condition reads, e.g. "country" or "metadata.budget".'
    if field in TOP_LEVEL_FIELDS:
        return None
    if field.startswith(METADATA_PREFIX):
        keys = field[len(METADATA_PREFIX) :].split(".")
        if len(keys) > MAX_METADATA_DEPTH:
            return f"A metadata path has at most {MAX_METADATA_DEPTH} keys."
        if all(METADATA_KEY.match(k) for k in keys):
            return None
        return "Metadata keys are letters, digits, '_' and '-', separated by dots."
    return (
        f"Unknown field {field!r}. Fields: {', '.join(TOP_LEVEL_FIELDS)}, or metadata.<key> "
        "(e.g. metadata.budget)."
    )


def _text_error(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "Must be a non-empty string."
    if len(value) > MAX_TEXT:
        return f"At most {MAX_TEXT} characters."
    return None


def _operand_errors(op: str, value) -> list[tuple[str, str]]:
    """Errors of one operator's operand as (path relative to the operator, message)."""
    if op in SCALAR_OPS:
        if not _is_scalar(value):
            return [("", "Must be a string, a number or a boolean.")]
        if isinstance(value, str):
            error = _text_error(value)
            return [("", error)] if error else []
        return []
    if op in NUMBER_OPS:
        return [] if _is_number(value) else [("", "Must be a number.")]
    if op in TEXT_OPS:
        error = _text_error(value)
        return [("", error)] if error else []
    # in, not_in, contains_any: a non-empty list
    if not isinstance(value, list) or not value:
        return [("", "Must be a non-empty list.")]
    if len(value) > MAX_LIST_ITEMS:
        return [("", f"At most {MAX_LIST_ITEMS} items.")]
    errors = []
    for index, item in enumerate(value):
        if op in TEXT_LIST_OPS:
            error = _text_error(item)
        elif not _is_scalar(item):
            error = "Must be a string, a number or a boolean."
        else:
            error = _text_error(item) if isinstance(item, str) else None
        if error:
            errors.append((str(index), error))
    return errors


def condition_errors(condition) -> list[tuple[str, str]]:
    """Everything wrong with a condition, as (path, message); the path is relative to the
    condition ("" for the condition itself, "gte", "in.2"). Empty when the condition is valid."""
    if not isinstance(condition, dict):
        return [("", 'Must be an object such as {"field": "country", "in": ["NG", "US"]}.')]
    errors = []
    if "field" not in condition:
        errors.append(("field", "This key is required."))
    else:
        error = _field_error(condition["field"])
        if error:
            errors.append(("field", error))
    operators = [key for key in condition if key != "field"]
    for key in operators:
        if key not in OPERATORS:
            errors.append((key, f"Unknown operator {key!r}. Operators: {', '.join(OPERATORS)}."))
            continue
        for path, message in _operand_errors(key, condition[key]):
            errors.append((f"{key}.{path}" if path else key, message))
    if not operators:
        errors.append(("", f"Give at least one operator: {', '.join(OPERATORS)}."))
    return errors


# --- Evaluation ---------------------------------------------------------------------------


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fold(value):
    return value.strip().casefold() if isinstance(value, str) else value


def to_number(value) -> Decimal | None:
    """A number, or a numeric string ("500,000", "$1 200.50"); anything else None."""
    if _is_number(value):
        return Decimal(str(value))
    if isinstance(value, str):
        text = _CURRENCY_PREFIX.sub("", _NUMBER_NOISE.sub("", value))
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


class _Choices:
    """Rule operands for eq/ne/in/not_in, prepared once: folded texts, numbers and booleans in
    sets, so each inquiry value is tested with one lookup instead of a loop."""

    __slots__ = ("texts", "numbers", "bools")

    def __init__(self, operands):
        self.texts = {_fold(x) for x in operands if isinstance(x, str)}
        self.numbers = {Decimal(str(x)) for x in operands if _is_number(x)}
        self.bools = {x for x in operands if isinstance(x, bool)}

    def holds(self, actual) -> bool:
        """Whether one inquiry value equals one of the operands."""
        if isinstance(actual, bool):
            return actual in self.bools
        if isinstance(actual, str):
            if _fold(actual) in self.texts:
                return True
            if self.numbers:
                number = to_number(actual)
                return number is not None and number in self.numbers
            return False
        if isinstance(actual, (int, float)):
            if self.numbers and Decimal(str(actual)) in self.numbers:
                return True
            return bool(self.texts) and str(actual).casefold() in self.texts
        return False

    def any_of(self, value) -> bool:
        if isinstance(value, list):
            return any(self.holds(e) for e in value)
        return self.holds(value)


def _make_test(op: str, operand) -> Callable[[object], bool]:
    """A test of one (non-empty) value for one operator."""
    if op in SCALAR_OPS or op in LIST_OPS:
        choices = _Choices(operand if op in LIST_OPS else [operand])
        if op in ("eq", "in"):
            return choices.any_of
        return lambda v: not choices.any_of(v)
    if op in NUMBER_OPS:
        bound = Decimal(str(operand))
        compare = {
            "gt": lambda n: n > bound,
            "gte": lambda n: n >= bound,
            "lt": lambda n: n < bound,
            "lte": lambda n: n <= bound,
        }[op]

        def number_test(v):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v == v and compare(v)  # ints and floats compare with a Decimal exactly
            number = to_number(v)
            return number is not None and compare(number)

        return number_test
    needles = [_fold(operand)] if op == "contains" else [_fold(x) for x in operand]
    needle_set = set(needles)

    def text_test(v):
        if isinstance(v, list):
            return any(isinstance(e, str) and _fold(e) in needle_set for e in v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str):
            return False
        haystack = v.casefold()
        return any(n in haystack for n in needles)

    return text_test


def _getter(field: str) -> Callable[[dict], object]:
    if not field.startswith(METADATA_PREFIX):
        return lambda facts: facts.get(field)
    keys = field[len(METADATA_PREFIX) :].split(".")

    def get(facts):
        value = facts.get("metadata")
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get


def compile_condition(condition: dict) -> Callable[[dict], bool]:
    """A predicate over an inquiry's facts (see ``inquiry_facts``). The condition must be valid."""
    get = _getter(condition["field"])
    tests = [_make_test(op, operand) for op, operand in condition.items() if op != "field"]

    def predicate(facts: dict) -> bool:
        value = get(facts)
        if _empty(value):
            return False
        return all(test(value) for test in tests)

    return predicate


def fields_read(condition: dict) -> str:
    """The inquiry column a condition reads ("metadata" for any metadata path)."""
    field = condition["field"]
    if field.startswith(METADATA_PREFIX):
        return "metadata"
    return "email" if field == "email_domain" else field


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    rule_name: str
    score_value: int
    column: str
    predicate: Callable[[dict], bool]

    @classmethod
    def of(cls, *, rule_id, rule_name: str, score_value: int, condition: dict) -> CompiledRule:
        return cls(
            rule_id=str(rule_id),
            rule_name=rule_name,
            score_value=int(score_value),
            column=fields_read(condition),
            predicate=compile_condition(condition),
        )


def columns_needed(rules: Iterable[CompiledRule]) -> set[str]:
    return {rule.column for rule in rules}


def inquiry_facts(values: dict) -> dict:
    """What conditions read, from an inquiry's column values (any subset of them)."""
    facts = dict(values)
    email = values.get("email")
    if isinstance(email, str) and "@" in email:
        facts["email_domain"] = email.rsplit("@", 1)[1].strip().lower()
    return facts


def score(facts: dict, rules: Iterable[CompiledRule]) -> tuple[int, list[dict]]:
    """(score clamped to 0..100, the matched rules in order)."""
    total = 0
    matched = []
    for rule in rules:
        try:
            hit = rule.predicate(facts)
        except (TypeError, ValueError, ArithmeticError):  # odd metadata never breaks scoring
            hit = False
        if hit:
            total += rule.score_value
            matched.append(
                {"rule_id": rule.rule_id, "rule_name": rule.rule_name, "score_value": rule.score_value}
            )
    return max(MIN_SCORE, min(MAX_SCORE, total)), matched
