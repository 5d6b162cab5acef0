from rest_framework.permissions import BasePermission

from .roles import ADMIN, STAFF_ROLES, has_role


class HasRole(BasePermission):
    """``permission_classes = [HasRole.of("finance", "admin")]``; superusers always pass."""

    roles: tuple[str, ...] = ()
    message = "Your role does not allow this action."

    @classmethod
    def of(cls, *roles: str):
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view):
        return has_role(request.user, *self.roles)


IsAdminRole = HasRole.of(ADMIN)
IsStaffRole = HasRole.of(*STAFF_ROLES)


class ReadStaffWriteAdmin(BasePermission):
    message = "Your role does not allow this action."

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return has_role(request.user, *STAFF_ROLES)
        return has_role(request.user, ADMIN)
