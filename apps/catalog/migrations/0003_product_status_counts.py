"""PostgreSQL: the number of products per status, kept exact by triggers on catalog_product.

The product list's total is a count over every matching product; without filters that is
every active product, which grows with the catalog. Statement-level triggers (with transition
tables, so bulk ``QuerySet.update()``, raw SQL and TRUNCATE are counted too) keep this table
in step inside the writing transaction, and pg_queries reads the unfiltered totals from it.
Only rows whose status changes touch a counter. Nothing here on other databases.
"""

from django.db import migrations

FORWARDS = """
CREATE TABLE catalog_product_status_count (
    status varchar(16) PRIMARY KEY,
    n bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO catalog_product_status_count (status, n)
    SELECT status, count(*) FROM catalog_product GROUP BY status;

CREATE FUNCTION catalog_product_status_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO catalog_product_status_count AS c (status, n)
            SELECT status, count(*) FROM new_rows GROUP BY status ORDER BY status
        ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE catalog_product_status_count c SET n = c.n - d.k
          FROM (SELECT status, count(*) AS k FROM old_rows GROUP BY status) d
         WHERE c.status = d.status;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH moved AS (
            SELECT o.status AS before, r.status AS after
              FROM old_rows o JOIN new_rows r ON r.id = o.id
             WHERE o.status IS DISTINCT FROM r.status
        ), delta AS (
            SELECT status, sum(k) AS k FROM (
                SELECT before AS status, -1 AS k FROM moved
                UNION ALL
                SELECT after, 1 FROM moved
            ) m GROUP BY status
        )
        -- The CHECK applies to a proposed insert row, so decrements are plain updates; only a
        -- status with no row yet is inserted (its change can only be positive).
        , updated AS (
            UPDATE catalog_product_status_count c SET n = c.n + delta.k
              FROM delta WHERE c.status = delta.status
            RETURNING c.status
        )
        INSERT INTO catalog_product_status_count AS c (status, n)
            SELECT status, k FROM delta WHERE status NOT IN (SELECT status FROM updated)
        ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE  -- TRUNCATE
        UPDATE catalog_product_status_count SET n = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_product_status_count_insert AFTER INSERT ON catalog_product
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_update AFTER UPDATE ON catalog_product
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_delete AFTER DELETE ON catalog_product
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
CREATE TRIGGER catalog_product_status_count_truncate AFTER TRUNCATE ON catalog_product
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_status_count_apply();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS catalog_product_status_count_insert ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_update ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_delete ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_status_count_truncate ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_status_count_apply();
DROP TABLE IF EXISTS catalog_product_status_count;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_search_text")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
