from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL

# The weighted document of an inquiry; must stay identical to apps.leads.selectors.INQUIRY_VECTOR
# (tests/leads check it) so the search uses this index.
INQUIRY_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"full_name\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"company\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, translate(coalesce(\"leads_inquiry\".\"email\", ''), "
    "'@.', '  ')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"leads_inquiry\".\"message\", '')), 'C')"
)
INDEX = "leads_inquiry_search_gin"


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [
        PostgreSQLOnlySQL(
            [f"CREATE INDEX IF NOT EXISTS {INDEX} ON leads_inquiry USING gin (({INQUIRY_VECTOR}))"],
            [f"DROP INDEX IF EXISTS {INDEX}"],
            elidable=False,
        )
    ]
