"""Service jobs move to their own app (``jobs``; its 0001 takes the models over).

The tables are renamed to the jobs app's names (``jobs_*``; the resources' capabilities table
with them), which renames them in place, rows and all, on PostgreSQL and SQLite alike; then the
models leave this app's state without touching the database. It runs after orders' payments
stopped pointing at ``tracking.Job`` by a foreign key (orders 0007)."""

from django.db import migrations

MOVED = ["servicetype", "serviceprovider", "resource", "resourceblock", "job", "joboffer", "jobevent"]


class Migration(migrations.Migration):

    dependencies = [
        ("tracking", "0002_jobs"),
        ("orders", "0007_payment_subject"),
    ]

    operations = [
        *(migrations.AlterModelTable(name=name, table=f"jobs_{name}") for name in MOVED),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="JobEvent"),
                migrations.DeleteModel(name="JobOffer"),
                migrations.DeleteModel(name="Job"),
                migrations.DeleteModel(name="ResourceBlock"),
                migrations.DeleteModel(name="Resource"),
                migrations.DeleteModel(name="ServiceProvider"),
                migrations.DeleteModel(name="ServiceType"),
            ],
            database_operations=[],
        ),
    ]
