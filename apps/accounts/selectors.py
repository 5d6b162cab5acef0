from django.db.models import Prefetch, QuerySet

from apps.core.activity import snapshot
from apps.core.models import ActivityLog

from .api import PERSONAL_DATA_SOURCES
from .models import User


def user_list() -> QuerySet[User]:
    from django.contrib.auth.models import Group

    return User.objects.prefetch_related(
        Prefetch("groups", queryset=Group.objects.only("id", "name"))
    ).order_by("email")


def user_roles_of(*, user: User) -> list[str]:
    known = getattr(user, "_foundry_roles", None)
    if known is not None:
        return sorted(known)
    cache = getattr(user, "_prefetched_objects_cache", {})
    if "groups" in cache:
        return sorted(g.name for g in cache["groups"])
    return sorted(user.groups.values_list("name", flat=True))


def user_personal_data_export(*, user: User) -> dict:
    """Everything the platform holds about the user, as JSON (GDPR access request)."""
    profile = snapshot(user)
    profile.pop("password", None)
    data = {
        "profile": profile,
        "roles": user_roles_of(user=user),
        "activity": [
            {
                "action": log.action,
                "entity_type": log.entity_type,
                "entity_id": log.entity_id,
                "ip_address": log.ip_address,
                "user_agent": log.user_agent,
                "created_at": log.created_at.isoformat(),
            }
            for log in ActivityLog.objects.filter(actor=user).order_by("created_at")
        ],
    }
    for name, source in sorted(PERSONAL_DATA_SOURCES.items()):
        data[name] = source.export(user=user)
    return data
