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

    assert accounts.role_emails(role="sales") == []
    user = make_user("sales", email="rep@example.com")
    assert accounts.role_emails(role="sales") == ["rep@example.com"]
    user.groups.clear()
    assert accounts.role_emails(role="sales") == []
    user.groups.add(Group.objects.get(name="sales"))
    assert accounts.role_emails(role="sales") == ["rep@example.com"]
    user.is_active = False
    user.save()
    assert accounts.role_emails(role="sales") == []


# --- One read per request ------------------------------------------------------------------------


def test_a_request_reads_the_site_settings_and_memo_versions_once():
    from unittest import mock

    from apps.core.memo import request_scope
    from apps.core.selectors import site_settings_get
    from apps.core.services import site_settings_update

    site_settings_get()  # the row exists and is cached
    calls = []
    memo = VersionedMemo("test:scoped", lambda: calls.append(1) or len(calls))
    assert memo.get() == 1  # its version exists
    with request_scope(), mock.patch("apps.core.memo.cache.get", wraps=cache.get) as reads:
        first = site_settings_get()
        assert site_settings_get() is first and site_settings_get() is first
        assert memo.get() == memo.get() == 1
        assert reads.call_count == 2  # the settings once, the memo's version once
        # A change inside the request is seen at once, by this request too.
        site_settings_update(actor=None, data={"company_name": "Renamed Ltd"})
        assert site_settings_get().company_name == "Renamed Ltd"
        memo.invalidate()
        assert memo.get() == 2
    # Outside a request, every call reads.
    with mock.patch("apps.core.memo.cache.get", wraps=cache.get) as reads:
        site_settings_get()
        site_settings_get()
    assert reads.call_count == 2


def test_requests_do_not_share_a_scope(client):
    from apps.core.memo import _scope

    assert _scope.get() is None
    client.get("/api/v1/health")
    assert _scope.get() is None
