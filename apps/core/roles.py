"""Role names (Django groups). The permissions each role holds are in apps.accounts.roles."""

CUSTOMER = "customer"
ADMIN = "admin"
SALES = "sales"
SUPPORT = "support"
FINANCE = "finance"
LOGISTICS = "logistics"
CONTENT = "content"
PROVIDER = "provider"  # a service provider: hires out resources for jobs (apps.jobs)

STAFF_ROLES = (ADMIN, SALES, SUPPORT, FINANCE, LOGISTICS, CONTENT)
ALL_ROLES = (CUSTOMER, PROVIDER, *STAFF_ROLES)


def user_roles(user) -> set[str]:
    """The user's role names, read once per request object and cached on it."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_foundry_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._foundry_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    return has_role(user, *STAFF_ROLES)
