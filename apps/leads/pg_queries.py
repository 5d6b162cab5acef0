"""The sales user's inquiry list on PostgreSQL in ONE prepared statement.

A sales user without the model-wide ``leads.view_inquiry`` sees the inquiries they hold an
object permission on (granted on assignment). Their plain listing (no filter, search or
ordering parameter: what the staff frontend opens) has a speed target (``make bench``,
docs/benchmarks.md): compiling the ORM query, counting in a second statement and building model
instances cost more than PostgreSQL needs to answer. Here the page and its total come in one
statement, planned once per connection (``hot_cursor``), from one index of the permission
table (it carries a copy of each inquiry's sort key and soft-delete mark, kept by triggers:
migration 0005), reading only the page's inquiries.

Its values are written into the statement as literals, not bound as parameters: a prepared
statement with parameters is planned again on every run (PostgreSQL's generic plan, made
without knowing whose permissions it reads, walks every inquiry: about 100 ms), and that
planning cost as much as running it (0.6 of 1.5 ms). A statement with no parameters is
planned once, for that user, on each connection (an ANALYZE re-plans it); psycopg keeps the
last 100 statements prepared per connection, so many users and pages only evict each other.

``selectors.inquiry_list`` is the portable version of the same read (filters, search and
ordering, SQLite) and the reference ``tests/leads/test_pg_list_equivalence.py`` compares this
module with: visibility, order and output must stay the same.
"""

from __future__ import annotations

import json
import uuid

from django.contrib.contenttypes.models import ContentType

from apps.core.db import hot_cursor, native_datetimes

from .models import Inquiry
from .selectors import ASSIGNEE_COLUMNS, LIST_COLUMNS, inquiry_list_item

_JSON_COLUMNS = ("metadata", "matched_rules")

# The columns are those of LIST_COLUMNS then ASSIGNEE_COLUMNS, in their order (the row is read
# by position, after the total). The permission rows carry a copy of their inquiry's creation
# time and soft-delete mark (kept by triggers, migration 0005), so the page is the first rows
# of one index and the total a count over it; only the page's inquiries are read.

_ASSIGNED_PAGE = """
WITH visible AS NOT MATERIALIZED (
    SELECT p.content_object_id AS id, p.inquiry_created_at AS created_at
      FROM leads_inquiryuserobjectpermission p
     WHERE p.user_id = '{user_id}'::uuid
       AND p.permission_id = (SELECT a.id FROM auth_permission a
                               WHERE a.content_type_id = {content_type_id}
                                 AND a.codename = 'view_inquiry')
       AND p.inquiry_deleted_at IS NULL
), page AS (
    SELECT id, created_at FROM visible
     ORDER BY created_at DESC, id DESC
     LIMIT {limit} OFFSET {offset}
)
SELECT (SELECT count(*) FROM visible) AS total,
       i.id, i.inquiry_type, i.full_name, i.email, i.phone, i.company, i.country, i.message,
       i.source, i.metadata, i.status, i.lead_score, i.matched_rules, i.notes, i.ip_address,
       i.user_agent, i.converted_customer_id, i.converted_at, i.rfq_id, i.created_at, i.updated_at,
       u.id AS assigned_id, u.email AS assigned_email, u.full_name AS assigned_full_name
  FROM page
  JOIN leads_inquiry i ON i.id = page.id
  LEFT JOIN accounts_user u ON u.id = i.assigned_to_id
 ORDER BY page.created_at DESC, page.id DESC
"""


def assigned_inquiry_page(*, user_id, offset: int, limit: int) -> tuple[int | None, list]:
    """(total, inquiries) of the page: objects with the attributes ``InquirySerializer``
    reads. The total is None when the page is empty (past the end: count separately)."""
    sql = _ASSIGNED_PAGE.format(  # literals of known types only (see the module's note)
        user_id=uuid.UUID(str(user_id)),
        content_type_id=int(ContentType.objects.get_for_model(Inquiry).pk),
        limit=int(limit),
        offset=int(offset),
    )
    with hot_cursor() as cursor:
        native_datetimes(cursor)
        cursor.execute(sql)
        rows = cursor.fetchall()
    if not rows:
        return None, []
    names = (*LIST_COLUMNS, *ASSIGNEE_COLUMNS)
    inquiries = []
    for row in rows:
        item = dict(zip(names, row[1:], strict=True))
        for column in _JSON_COLUMNS:
            if isinstance(item[column], str):
                item[column] = json.loads(item[column])
        inquiries.append(inquiry_list_item(item))
    return rows[0][0], inquiries
