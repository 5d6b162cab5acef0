"""Every query on PostgreSQL is treated alike: with ``DATABASE_PREPARED_STATEMENTS`` on (the
default), parameters are bound on the server and a statement run ``prepare_threshold`` (5) times
on a connection is prepared, whether or not queries are being logged (tests counting queries,
DEBUG): a test runs a statement the way production runs it. With the setting off, nothing is
prepared. There is no second cursor for hot paths."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import ActivityLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_connection_binds_on_the_server_as_the_setting_says():
    options = connection.settings_dict["OPTIONS"]
    assert options["server_side_binding"] is settings.DATABASE_PREPARED_STATEMENTS
    assert options["prepare_threshold"] == (5 if settings.DATABASE_PREPARED_STATEMENTS else None)
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == options["prepare_threshold"]


@pytest.mark.parametrize("logged", [False, True])
def test_an_orm_query_run_often_is_prepared_whether_or_not_queries_are_logged(logged):
    marker = f"prepared-probe-{logged}"

    def run():
        for _ in range(6):
            list(ActivityLog.objects.filter(action=marker).values_list("id", flat=True))

    if logged:
        with CaptureQueriesContext(connection) as queries:
            run()
        assert len(queries) == 6 and marker in queries[0]["sql"]  # the log shows the values
    else:
        assert not connection.queries_logged
        run()
    statements = [s for s in _prepared_statements() if '"core_activitylog"' in s and "$1" in s]
    if settings.DATABASE_PREPARED_STATEMENTS:
        assert statements, _prepared_statements()
    else:
        assert statements == []
