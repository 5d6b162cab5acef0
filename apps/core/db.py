"""Hand-written SQL on the hot paths (catalog pages, carts): a cursor that runs each statement
as a prepared statement on PostgreSQL, so it is planned once per connection: planning the
cart's read costs more than running it (docs/benchmarks.md; docs/decisions)."""

from __future__ import annotations

import functools
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import connection


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor  # needs psycopg

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparedCursor


def hot_cursor():
    """A cursor for a hand-written statement that runs on every request of a hot path: on
    PostgreSQL a server-binding cursor that prepares it, unless DATABASE_PREPARED_STATEMENTS is
    off; Django's usual cursor otherwise. The same cursor whether or not queries are logged
    (DEBUG, tests counting queries): logging wraps it as Django wraps its own, so a test runs
    the statement as production does. Use it as a context manager."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.ensure_connection()
    cursor = _prepared_cursor_class()(connection.connection)
    if connection.queries_logged:
        return _prepared_debug_wrapper_class()(cursor, connection)
    return connection.make_cursor(cursor)


@functools.cache
def _prepared_debug_wrapper_class():
    from django.db.backends.utils import CursorDebugWrapper
    from psycopg.errors import DataError  # PostgreSQL only, as the cursor

    class PreparedDebugWrapper(CursorDebugWrapper):
        """Django's query log for the prepared cursor: a prepared statement keeps no text with
        its values, so the log's SQL is composed from the statement and its parameters."""

        @contextmanager
        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            if use_last_executed_query and not many:
                with suppress(DataError):  # as Django's: the log keeps the statement alone
                    sql = self.db.ops.compose_sql(sql, params)
            with super().debug_sql(sql, params, use_last_executed_query=False, many=many):
                yield

    return PreparedDebugWrapper


@functools.cache
def _native_timestamptz_loader():
    import psycopg
    from psycopg.pq import Format

    return psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)


def native_datetimes(cursor) -> None:
    """Read ``timestamptz`` columns on ``cursor`` (from ``hot_cursor``, PostgreSQL) with
    psycopg's own loader, compiled, instead of Django's subclass of its pure-Python one (which
    parses the text with a regular expression, then sets the connection's time zone): the same
    instants, aware, in the session's time zone (UTC, set by Django). Forty of them were a tenth
    of the time of a staff list page."""
    cursor.cursor.adapters.register_loader("timestamptz", _native_timestamptz_loader())
