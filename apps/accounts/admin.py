from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from guardian.admin import GuardedModelAdminMixin

from apps.core.admin import ActivityLoggedAdminMixin

from .models import User, normalize_email
from .services import tokens_revoke_all, user_sync_staff_flag


class FoundryUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email


class FoundryUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ActivityLoggedAdminMixin, GuardedModelAdminMixin, DjangoUserAdmin):
    form = FoundryUserChangeForm
    add_form = FoundryUserCreationForm
    list_display = (
        "email",
        "full_name",
        "company",
        "role_list",
        "is_active",
        "is_staff",
        "last_login",
        "date_joined",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "email_verified")
    search_fields = ("email", "full_name", "company", "phone")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined", "erased_at", "is_staff")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "company", "preferred_currency", "email_verified")}),
        (
            "Roles and access",
            {
                "fields": ("is_active", "groups", "is_staff", "is_superuser", "user_permissions"),
                "description": "Roles are groups. Any staff role gives access to this admin.",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups", "user_permissions")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_list(self, obj):
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "-"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_sync_staff_flag(user=form.instance)
        if not form.instance.is_active:
            tokens_revoke_all(user=form.instance)

    def has_delete_permission(self, request, obj=None):
        # Users are deactivated, never deleted: their orders and history must stay.
        return False


# The admin's sign-in lockout (apps.accounts.lockout): deleting an account's or an address's
# access attempts ("Delete selected access attempts") unlocks it, recorded in the activity log.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ActivityLoggedAdminMixin, AxesAccessAttemptAdmin):
    pass
