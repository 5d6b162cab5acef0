"""``apps.core.db.hot_cursor`` runs the statement the same way whether or not queries are being
logged: a test that counts queries (or DEBUG) exercises the prepared statement production runs
(issue 17: no code may behave differently in tests than in production)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.db import _prepared_cursor_class, hot_cursor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _statements_prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("logged", [False, True])
def test_the_statement_is_prepared_whether_or_not_queries_are_logged(settings, logged):
    settings.DATABASE_PREPARED_STATEMENTS = True
    sql = "SELECT %s::int + 40 AS hot_cursor_probe"

    def run():
        with hot_cursor() as cursor:
            assert isinstance(cursor.cursor, _prepared_cursor_class())
            cursor.execute(sql, [2])
            return cursor.fetchone()[0]

    if logged:
        with CaptureQueriesContext(connection) as queries:
            assert run() == 42
        assert len(queries) == 1 and "hot_cursor_probe" in queries[0]["sql"] and "2" in queries[0]["sql"]
    else:
        assert not connection.queries_logged
        assert run() == 42
    assert any("hot_cursor_probe" in statement for statement in _statements_prepared())
