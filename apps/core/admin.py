from django.contrib import admin

from .activity import activity_record, snapshot
from .models import ActivityLog, SiteSettings


def action_form_page(model_admin, request, template: str, *, title: str, **context):
    """The page of an admin action that asks for input before it applies (templates extend
    admin/action_form.html): the admin's context, the title, the model's options and the name
    of the selected-rows checkbox, plus the action's own ``context``."""
    from django.template.response import TemplateResponse

    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": model_admin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


def _collect_inline_changes(formsets, out: list) -> None:
    """What the admin's inline formsets (and nested ones, e.g. prices under variants) changed."""
    for formset in formsets:
        added = [str(o) for o in getattr(formset, "new_objects", [])]
        changed = [
            {"object": str(o), "fields": fields} for o, fields in getattr(formset, "changed_objects", [])
        ]
        deleted = [str(o) for o in getattr(formset, "deleted_objects", [])]
        if added or changed or deleted:
            out.append(
                {
                    "model": formset.model._meta.label_lower,
                    "added": added,
                    "changed": changed,
                    "deleted": deleted,
                }
            )
        for inline_form in getattr(formset, "forms", []):
            _collect_inline_changes(getattr(inline_form, "nested_formsets", []), out)


class ActivityLoggedAdminMixin:
    """Records every admin add, change and delete (and bulk delete) in the activity log.

    Admin actions that call services are recorded by those services."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(previous)
        super().save_model(request, obj, form, change)
        activity_record(
            actor=request.user,
            action="update" if change else "create",
            entity=obj,
            before=before,
            after=snapshot(obj),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        inlines = []
        _collect_inline_changes(formsets, inlines)
        if inlines:
            activity_record(
                actor=request.user,
                action="update_related",
                entity=form.instance,
                after={"inlines": inlines},
                only_changes=False,
            )

    def delete_model(self, request, obj):
        before, entity_type, entity_id = snapshot(obj), obj._meta.label_lower, str(obj.pk)
        super().delete_model(request, obj)
        activity_record(
            actor=request.user,
            action="delete",
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
        )

    def delete_queryset(self, request, queryset):
        rows = [(snapshot(o), o._meta.label_lower, str(o.pk)) for o in queryset]
        super().delete_queryset(request, queryset)
        for before, entity_type, entity_id in rows:
            activity_record(
                actor=request.user,
                action="delete",
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
            )


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_email",
        "action",
        "entity_type",
        "entity_id",
        "entity_repr",
        "ip_address",
    )
    list_filter = ("action", "entity_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_email", "entity_id", "entity_repr", "action", "=request_id")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in ActivityLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiteSettings)
class SiteSettingsAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("company_name", "support_email", "default_currency", "low_stock_threshold", "updated_at")

    def has_add_permission(self, request):
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
