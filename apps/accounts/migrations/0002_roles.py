"""Create the role groups. Their permissions are granted by apps.accounts.roles after every
migrate (post_migrate), so that apps added later join the same table."""

from django.db import migrations

ROLES = ["customer", "admin", "sales", "support", "finance", "logistics", "content"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
