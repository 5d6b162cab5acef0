"""Roles are Django groups (created by migration 0002). Each role's model permissions are
declared here and granted after every migrate, so apps added later join the table by name.

Patterns: ``"app_label.codename"``, ``"app_label.*"`` (every permission of the app),
``"app_label.view_*"`` (every permission of the app whose codename starts with ``view_``).
Patterns naming apps that are not installed yet simply match nothing.
docs/api.md (Roles and permissions) documents this table.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

from apps.core.roles import ADMIN, ALL_ROLES, CONTENT, CUSTOMER, FINANCE, LOGISTICS, PROVIDER, SALES, SUPPORT

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CUSTOMER: (),
    PROVIDER: (),  # works through the API on the jobs offered or assigned to them
    ADMIN: ("*",),
    SALES: (
        "accounts.view_user",
        # Not leads.view_inquiry: a sales user sees the inquiries assigned to them (a filter on
        # assigned_to); a "sales manager" is a sales user granted leads.view_inquiry on its own.
        "leads.add_inquiry",
        "leads.change_inquiry",
        # Not "rfq.view_rfq": a sales user sees the RFQs assigned to them (object permissions);
        # a "sales manager" is a sales user granted rfq.view_rfq on its own (sees them all).
        "rfq.add_rfq",
        "rfq.change_rfq",
        "rfq.view_rfqitem",
        "rfq.add_rfqitem",
        "rfq.change_rfqitem",
        "rfq.delete_rfqitem",
        "rfq.view_rfqstatushistory",
        "rfq.view_quote",
        "rfq.add_quote",
        "rfq.change_quote",
        "rfq.view_quoteline",
        "rfq.add_quoteline",
        "rfq.change_quoteline",
        "rfq.delete_quoteline",
        "catalog.view_*",
        "inventory.view_*",
        "orders.view_*",
    ),
    SUPPORT: (
        "accounts.view_user",
        "leads.view_*",
        "leads.change_inquiry",
        "rfq.view_*",
        "orders.view_*",
        "tracking.view_*",
        "jobs.view_*",
        "notifications.view_*",
        "notifications.change_emailmessage",
    ),
    FINANCE: (
        "accounts.view_user",
        "orders.view_*",
        "orders.add_refund",
        "orders.change_payment",
        "reports.*",
    ),
    LOGISTICS: (
        "catalog.view_*",
        "inventory.*",
        "orders.view_*",
        "orders.change_order",
        "tracking.*",
        "jobs.*",
    ),
    CONTENT: ("catalog.*", "cms.*"),
}

EXCLUDED_FROM_ADMIN_ROLE = ("guardian.", "token_blacklist.", "sessions.", "contenttypes.")


def _matches(perm_key: str, pattern: str) -> bool:
    if pattern == "*":
        return not perm_key.startswith(EXCLUDED_FROM_ADMIN_ROLE)
    if pattern.endswith("*"):
        return perm_key.startswith(pattern[:-1])
    return perm_key == pattern


def sync_role_permissions(sender=None, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """Create the role groups and add the permissions of ROLE_PERMISSIONS (add-only: staff
    may grant more through the admin, and a migrate never takes those away)."""
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    all_perms = list(
        Permission.objects.using(using)
        .select_related("content_type")
        .values_list("id", "content_type__app_label", "codename")
    )
    for role in ALL_ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        patterns = ROLE_PERMISSIONS.get(role, ())
        wanted = {
            pk
            for pk, app_label, codename in all_perms
            if any(_matches(f"{app_label}.{codename}", p) for p in patterns)
        }
        have = set(group.permissions.values_list("id", flat=True))
        missing = wanted - have
        if missing:
            group.permissions.add(*missing)
