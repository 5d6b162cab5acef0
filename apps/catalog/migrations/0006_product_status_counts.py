"""PostgreSQL: the number of products per status, kept exact by triggers on catalog_product
(again: migration 0005 dropped the first version, from 0003; ADR 0006 item 2 keeps them because
the product list's total counted without them cost that figure more than 10%).

The product list's total is a count over every matching product; without filters that is
every active product, which grows with the catalog. Statement-level triggers (with transition
tables, so bulk ``QuerySet.update()``, raw SQL and TRUNCATE are counted too) append the change
of each status to this table inside the writing transaction; a status's count is the sum of
its rows. Appending takes no lock that another writer waits for (counters updated in place
deadlock when two transactions touch two statuses in opposite orders), and the beat job
``catalog.compact_product_status_counts`` folds the rows into one per status. Only rows whose
status changes add a row. The table starts from the products as they are. Nothing here on
other databases.
"""

from django.db import migrations

from apps.core.migration_ops import PostgreSQLOnlySQL

FORWARDS = """
-- No product is written between the count below and the triggers (until this commits).
LOCK TABLE catalog_product IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE catalog_product_status_count (
    id bigserial PRIMARY KEY,
    status varchar(16) NOT NULL,
    n bigint NOT NULL
);
CREATE INDEX catalog_product_status_count_status ON catalog_product_status_count (status) INCLUDE (n);
INSERT INTO catalog_product_status_count (status, n)
    SELECT status, count(*) FROM catalog_product GROUP BY status;

CREATE FUNCTION catalog_product_status_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO catalog_product_status_count (status, n)
            SELECT status, count(*) FROM new_rows GROUP BY status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO catalog_product_status_count (status, n)
            SELECT status, -count(*) FROM old_rows GROUP BY status;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO catalog_product_status_count (status, n)
            SELECT status, sum(k) FROM (
                SELECT o.status, -1 AS k FROM old_rows o JOIN new_rows r ON r.id = o.id
                 WHERE o.status IS DISTINCT FROM r.status
                UNION ALL
                SELECT r.status, 1 FROM old_rows o JOIN new_rows r ON r.id = o.id
                 WHERE o.status IS DISTINCT FROM r.status
            ) moved GROUP BY status HAVING sum(k) <> 0;
    ELSE  -- TRUNCATE (it holds an exclusive lock on catalog_product)
        DELETE FROM catalog_product_status_count;
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


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_drop_product_status_counts")]

    operations = [PostgreSQLOnlySQL([FORWARDS], [BACKWARDS], elidable=False)]
