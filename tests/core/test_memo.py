"""VersionedMemo: reference data kept per process, recomputed after any write (now and on
commit), and never brought back by a cleared cache."""

import pytest
from django.core.cache import cache

from apps.core.memo import VersionedMemo

pytestmark = pytest.mark.django_db  # invalidate() registers an on-commit callback


def test_keeps_the_value_until_invalidated():
    calls = []
    memo = VersionedMemo("test:memo", lambda arg: calls.append(arg) or f"value-{len(calls)}")
    assert memo.get("a") == "value-1"
    assert memo.get("a") == "value-1"
    assert memo.get("b") == "value-2"
    assert calls == ["a", "b"]
    memo.invalidate()
    assert memo.get("a") == "value-3"


def test_another_process_invalidating_is_seen():
    # Two instances with one key stand for two processes sharing the cache.
    here = VersionedMemo("test:shared", lambda: object())
    there = VersionedMemo("test:shared", lambda: None)
    first = here.get()
    assert here.get() is first
    there.invalidate()
    assert here.get() is not first


def test_a_cleared_cache_never_brings_back_old_values():
    counter = iter(range(100))
    memo = VersionedMemo("test:cleared", lambda: next(counter))
    assert memo.get() == 0
    cache.clear()
    assert memo.get() == 1


def test_invalidates_again_when_the_transaction_commits(django_capture_on_commit_callbacks):
    counter = iter(range(100))
    memo = VersionedMemo("test:commit", lambda: next(counter))
    with django_capture_on_commit_callbacks(execute=True):
        memo.invalidate()
        assert memo.get() == 0  # computed inside the transaction, from uncommitted rows
    assert memo.get() == 1  # the commit replaced the version again


def test_scoring_rules_and_role_emails_follow_their_writes(make_user):
    from django.contrib.auth.models import Group

    from apps.accounts import api as accounts
    from apps.leads.services import rules
    from tests.leads.factories import rule_make

    assert rules.active_rules() == []
    rule = rule_make({"field": "country", "in": ["NG"]}, score_value=10)
    assert [r.rule_name for r in rules.active_rules()] == [rule.rule_name]
    rule.is_active = False
    rule.save()
    assert rules.active_rules() == []

    assert accounts.role_emails("sales") == []
    user = make_user("sales", email="rep@example.com")
    assert accounts.role_emails("sales") == ["rep@example.com"]
    user.groups.clear()
    assert accounts.role_emails("sales") == []
    user.groups.add(Group.objects.get(name="sales"))
    assert accounts.role_emails("sales") == ["rep@example.com"]
    user.is_active = False
    user.save()
    assert accounts.role_emails("sales") == []
