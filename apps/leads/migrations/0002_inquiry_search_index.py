from django.db import migrations

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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON leads_inquiry USING gin (({INQUIRY_VECTOR}))")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
