"""The condition language: every operator, every rule type, the clamped sum with matched rules
recorded, and invalid conditions refused with the attr path of the problem."""

import pytest

from apps.leads.scoring import CompiledRule, condition_errors, inquiry_facts, score
from apps.leads.services import rules
from tests.helpers import assert_error

from .factories import InquiryFactory, rule_make

FACTS = inquiry_facts(
    {
        "inquiry_type": "sales",
        "full_name": "Ngozi Adeyemi",
        "email": "Ngozi@Lagos-State.example",
        "phone": "+234 803 555 0142",
        "company": "Lagos State Ministry",
        "country": "NG",
        "message": "URGENT tender for 12 tractors",
        "source": "website",
        "metadata": {
            "budget": "1,200,000",
            "org_type": "Government",
            "products": ["titan-130", "drip-kit"],
            "site": {"hectares": 40},
        },
    }
)


def matches(condition) -> bool:
    assert condition_errors(condition) == [], condition_errors(condition)
    rule = CompiledRule.of(rule_id="r", rule_name="r", score_value=1, condition=condition)
    return score(FACTS, [rule])[0] == 1


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "country", "eq": "ng"}, True),  # text is case-insensitive
        ({"field": "country", "eq": "US"}, False),
        ({"field": "country", "ne": "US"}, True),
        ({"field": "country", "ne": "NG"}, False),
        ({"field": "country", "in": ["GH", "NG"]}, True),
        ({"field": "country", "in": ["GH", "KE"]}, False),
        ({"field": "country", "not_in": ["GH", "KE"]}, True),
        ({"field": "country", "not_in": ["NG"]}, False),
        ({"field": "metadata.budget", "gte": 1200000}, True),  # "1,200,000" is a number
        ({"field": "metadata.budget", "gt": 1200000}, False),
        ({"field": "metadata.budget", "lte": 1200000}, True),
        ({"field": "metadata.budget", "lt": 1200000}, False),
        ({"field": "metadata.budget", "gte": 500000, "lt": 2000000}, True),  # every operator must hold
        ({"field": "metadata.budget", "gte": 500000, "lt": 1000000}, False),
        ({"field": "metadata.budget", "eq": 1200000}, True),
        ({"field": "message", "contains": "tender"}, True),
        ({"field": "message", "contains": "quote"}, False),
        ({"field": "message", "contains_any": ["asap", "urgent"]}, True),
        ({"field": "message", "contains_any": ["asap", "rfp"]}, False),
        ({"field": "metadata.products", "contains": "TITAN-130"}, True),  # a list holds it
        ({"field": "metadata.products", "contains_any": ["solar", "drip-kit"]}, True),
        ({"field": "metadata.products", "in": ["drip-kit"]}, True),
        ({"field": "metadata.products", "not_in": ["solar"]}, True),
        ({"field": "metadata.products", "not_in": ["drip-kit"]}, False),
        ({"field": "metadata.org_type", "in": ["government", "ngo"]}, True),
        ({"field": "metadata.site.hectares", "gte": 40}, True),  # nested path
        ({"field": "email_domain", "eq": "lagos-state.example"}, True),
        ({"field": "inquiry_type", "eq": "sales"}, True),
    ],
)
def test_each_operator(condition, expected):
    assert matches(condition) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "metadata.timeline", "eq": "Q1"},  # missing key
        {"field": "metadata.timeline", "ne": "Q1"},  # missing never matches, even ne
        {"field": "metadata.timeline", "not_in": ["Q1"]},
        {"field": "metadata.org_type", "gte": 5},  # not a number
        {"field": "metadata.budget.amount", "gte": 5},  # path through a non-object
    ],
)
def test_missing_or_unusable_values_match_nothing(condition):
    assert matches(condition) is False


def test_score_is_the_clamped_sum_of_matched_rules_in_order():
    def rule(name, value, condition):
        return CompiledRule.of(rule_id=name, rule_name=name, score_value=value, condition=condition)

    high = [
        rule("a", 60, {"field": "country", "eq": "NG"}),
        rule("b", 70, {"field": "message", "contains": "tender"}),
    ]
    assert score(FACTS, high)[0] == 100
    negative = [
        rule("free", -30, {"field": "country", "eq": "NG"}),
        rule("x", 10, {"field": "country", "eq": "US"}),
    ]
    value, matched = score(FACTS, negative)
    assert value == 0
    assert matched == [{"rule_id": "free", "rule_name": "free", "score_value": -30}]
    mixed = [
        rule("m1", 40, {"field": "country", "eq": "NG"}),
        rule("m2", -15, {"field": "phone", "contains": "+234"}),
    ]
    assert score(FACTS, mixed) == (
        25,
        [
            {"rule_id": "m1", "rule_name": "m1", "score_value": 40},
            {"rule_id": "m2", "rule_name": "m2", "score_value": -15},
        ],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule_type", "condition", "metadata", "country", "message", "email"),
    [
        ("country", {"field": "country", "in": ["NG", "US"]}, {}, "NG", "hello", "a@b.example"),
        (
            "org_type",
            {"field": "metadata.org_type", "eq": "ngo"},
            {"org_type": "NGO"},
            "",
            "hello",
            "a@b.example",
        ),
        (
            "budget",
            {"field": "metadata.budget", "gte": 500000},
            {"budget": 650000},
            "",
            "hello",
            "a@b.example",
        ),
        (
            "product",
            {"field": "metadata.products", "contains_any": ["pump"]},
            {"products": ["pump", "kit"]},
            "",
            "hello",
            "a@b.example",
        ),
        (
            "keyword",
            {"field": "message", "contains_any": ["urgent", "tender"]},
            {},
            "",
            "An urgent need",
            "a@b.example",
        ),
        ("keyword", {"field": "email_domain", "in": ["gmail.com"]}, {}, "", "hello", "x@GMAIL.com"),
    ],
)
def test_each_rule_type_scores_a_stored_inquiry(rule_type, condition, metadata, country, message, email):
    rule = rule_make(condition, 25, rule_type=rule_type, name=f"{rule_type} rule")
    other = rule_make({"field": "country", "eq": "ZW"}, 50, rule_type="country", name="never")
    inquiry = InquiryFactory(metadata=metadata, country=country, message=message, email=email.lower())
    assert rules.inquiry_score_apply(inquiry=inquiry) is True
    assert inquiry.lead_score == 25
    assert inquiry.matched_rules == [
        {"rule_id": str(rule.pk), "rule_name": f"{rule_type} rule", "score_value": 25}
    ]
    assert str(other.pk) not in str(inquiry.matched_rules)


def test_inactive_rules_do_not_count(db):
    rule_make({"field": "country", "eq": "NG"}, 30, is_active=False)
    inquiry = InquiryFactory(country="NG")
    rules.inquiry_score_apply(inquiry=inquiry)
    assert (inquiry.lead_score, inquiry.matched_rules) == (0, [])


@pytest.mark.parametrize(
    ("condition", "attr"),
    [
        (["country"], "condition"),
        ({"in": ["NG"]}, "condition.field"),
        ({"field": "favourite_colour", "eq": "red"}, "condition.field"),
        ({"field": "metadata.bad key", "eq": "x"}, "condition.field"),
        ({"field": "country"}, "condition"),
        ({"field": "country", "between": [1, 2]}, "condition.between"),
        ({"field": "metadata.budget", "gte": "lots"}, "condition.gte"),
        ({"field": "metadata.budget", "lt": True}, "condition.lt"),
        ({"field": "country", "in": []}, "condition.in"),
        ({"field": "country", "in": "NG"}, "condition.in"),
        ({"field": "country", "not_in": ["NG", {"x": 1}]}, "condition.not_in.1"),
        ({"field": "country", "eq": None}, "condition.eq"),
        ({"field": "message", "contains": ""}, "condition.contains"),
        ({"field": "message", "contains_any": ["urgent", ""]}, "condition.contains_any.1"),
    ],
)
def test_invalid_conditions_are_refused_with_the_attr_path(admin_client_api, condition, attr):
    response = admin_client_api.post(
        "/api/v1/lead-scoring-rules",
        {"rule_name": "Bad", "rule_type": "keyword", "condition": condition, "score_value": 10},
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr=attr)


def test_an_invalid_condition_in_a_patch_is_refused_and_nothing_changes(admin_client_api):
    rule = rule_make({"field": "country", "eq": "NG"}, 10)
    response = admin_client_api.patch(
        f"/api/v1/lead-scoring-rules/{rule.pk}",
        {"condition": {"field": "country", "gte": "NG"}},
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr="condition.gte")
    rule.refresh_from_db()
    assert rule.condition == {"field": "country", "eq": "NG"}


def test_score_value_is_bounded(admin_client_api):
    response = admin_client_api.post(
        "/api/v1/lead-scoring-rules",
        {
            "rule_name": "Huge",
            "rule_type": "budget",
            "condition": {"field": "metadata.budget", "gte": 1},
            "score_value": 500,
        },
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr="score_value")
