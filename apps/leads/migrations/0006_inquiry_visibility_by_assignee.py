"""Who sees an inquiry follows from ``assigned_to`` alone: the inquiry object permissions go.

- Reports, then drops, the object permissions on inquiries (django-guardian's direct tables
  ``leads_inquiryuserobjectpermission`` and ``leads_inquirygroupobjectpermission``): the
  grants that match the inquiry's assignee are a copy of ``assigned_to``; the others (a user
  who is not the assignee, any group) were made outside the services and are no longer read.
  Their count is printed.
- PostgreSQL: drops the triggers and trigger functions that migration 0005 made before it was
  emptied (the sort-key copy on the user permission table), with its columns and index; on a
  database where 0005 made nothing, this does nothing.
- Adds the partial index ``(assigned_to_id, created_at DESC, id DESC) WHERE deleted_at IS
  NULL`` on the inquiry: a sales user's list and its count.

Backwards: the permission tables come back and every assigned inquiry's assignee gets its
``view`` and ``change`` permissions again (grants that did not match the assignee are not
restored); the sort-key copy and its triggers do not (0005 no longer makes them), so code from
before this migration must not be run against a database migrated back.
"""

from django.db import migrations, models

from apps.core.migration_ops import PostgreSQLOnlySQL

ASSIGNEE_CODENAMES = ("view_inquiry", "change_inquiry")

DROP_SORT_KEY = """
DROP TRIGGER IF EXISTS leads_inquiry_permission_sync ON leads_inquiry;
DROP FUNCTION IF EXISTS leads_inquiry_permission_sync();
DROP TRIGGER IF EXISTS leads_inquiry_permission_copy ON leads_inquiryuserobjectpermission;
DROP FUNCTION IF EXISTS leads_inquiry_permission_copy();
DROP INDEX IF EXISTS leads_inquiryuserobjectpermission_visible;
ALTER TABLE leads_inquiryuserobjectpermission
    DROP COLUMN IF EXISTS inquiry_created_at,
    DROP COLUMN IF EXISTS inquiry_deleted_at;
"""

def report_grants(apps, schema_editor):
    """Print how many inquiry grants are dropped, and how many of them did not follow from
    ``assigned_to`` (made outside the services)."""
    alias = schema_editor.connection.alias
    UserPermission = apps.get_model("leads", "InquiryUserObjectPermission")
    GroupPermission = apps.get_model("leads", "InquiryGroupObjectPermission")
    user_grants = UserPermission.objects.using(alias)
    unmatched = user_grants.exclude(
        content_object__assigned_to=models.F("user"),
        permission__codename__in=ASSIGNEE_CODENAMES,
    ).count()
    total = user_grants.count()
    groups = GroupPermission.objects.using(alias).count()
    if total or groups:
        print(
            f"\n  leads 0006: dropping {total} user and {groups} group object permissions on "
            f"inquiries; {unmatched} user and {groups} group grants did not follow from "
            "assigned_to and are no longer read (an inquiry is seen by its assignee and by "
            "holders of leads.view_inquiry)."
        )


def regrant_assignees(apps, schema_editor):
    """Backwards: each assigned inquiry's assignee may view and change it (as the services of
    0005 granted on assignment)."""
    alias = schema_editor.connection.alias
    Inquiry = apps.get_model("leads", "Inquiry")
    Permission = apps.get_model("auth", "Permission")
    UserPermission = apps.get_model("leads", "InquiryUserObjectPermission")
    permissions = list(
        Permission.objects.using(alias).filter(
            content_type__app_label="leads", codename__in=ASSIGNEE_CODENAMES
        )
    )
    assigned = Inquiry._base_manager.using(alias).filter(assigned_to__isnull=False)
    for permission in permissions:
        UserPermission.objects.using(alias).bulk_create(
            (
                UserPermission(permission=permission, user_id=user_id, content_object_id=pk)
                for pk, user_id in assigned.values_list("pk", "assigned_to_id").iterator()
            ),
            batch_size=1000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_inquiry_permission_sort_key")]

    operations = [
        migrations.RunPython(report_grants, regrant_assignees, elidable=True),
        PostgreSQLOnlySQL([DROP_SORT_KEY], migrations.RunSQL.noop, elidable=False),
        migrations.DeleteModel(name="InquiryGroupObjectPermission"),
        migrations.DeleteModel(name="InquiryUserObjectPermission"),
        migrations.AddIndex(
            model_name="inquiry",
            index=models.Index(
                condition=models.Q(deleted_at__isnull=True),
                fields=["assigned_to", "-created_at", "-id"],
                name="leads_inquiry_assigned_new",
            ),
        ),
    ]
