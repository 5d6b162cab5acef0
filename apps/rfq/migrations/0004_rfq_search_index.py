from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL

# The weighted document of an RFQ; must stay identical to apps.rfq.selectors.RFQ_VECTOR
# (tests/rfq check it) so the unified search uses this index.
RFQ_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, translate(coalesce(\"rfq_rfq\".\"number\", ''), '-', ' ')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"full_name\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"company\", '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, translate(coalesce(\"rfq_rfq\".\"email\", ''), '@.', '  ')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(\"rfq_rfq\".\"requirements\", '')), 'C')"
)
INDEX = "rfq_rfq_search_gin"


class Migration(migrations.Migration):
    dependencies = [("rfq", "0003_quote_withdrawn")]

    operations = [
        PostgreSQLOnlySQL(
            [f"CREATE INDEX IF NOT EXISTS {INDEX} ON rfq_rfq USING gin (({RFQ_VECTOR}))"],
            [f"DROP INDEX IF EXISTS {INDEX}"],
            elidable=False,
        )
    ]
