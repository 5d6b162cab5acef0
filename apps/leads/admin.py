"""The leads back office. Every write goes through the services (state machine, assignment,
rescoring), which record it in the activity log."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import action_form_page
from apps.core.errors import ApplicationError
from apps.core.roles import ADMIN, SALES

from . import workflows
from .models import ImportJob, Inquiry, LeadScoringRule
from .scoring import condition_errors
from .selectors import inquiries_visible
from .services import inquiries, rules
from .services.rules import condition_validate

S = Inquiry.Status


def _sales_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[SALES, ADMIN])
        .distinct()
        .order_by("email")
    )


class ScoreRangeFilter(admin.SimpleListFilter):
    title = "lead score"
    parameter_name = "score"
    RANGES = {
        "hot": (70, 100, "70–100 (hot)"),
        "warm": (40, 69, "40–69 (warm)"),
        "cold": (0, 39, "0–39 (cold)"),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (_, _, label) in self.RANGES.items()]

    def queryset(self, request, queryset):
        if self.value() in self.RANGES:
            low, high, _ = self.RANGES[self.value()]
            return queryset.filter(lead_score__gte=low, lead_score__lte=high)
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "To me"), ("yes", "Assigned"), ("no", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "yes":
            return queryset.filter(assigned_to__isnull=False)
        if self.value() == "no":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class InquiryAdminForm(forms.ModelForm):
    """Status moves are checked against the state machine before the service is called."""

    class Meta:
        model = Inquiry
        fields = (
            "inquiry_type", "status", "assigned_to", "notes", "full_name", "email", "phone", "company",
            "country", "message", "metadata", "source",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = _sales_users()

    def clean_status(self):
        target = self.cleaned_data["status"]
        if self.instance.pk and target != self.instance.status:
            allowed = workflows.allowed_next(self.instance.status)
            if target not in allowed:
                raise ValidationError(
                    f"From '{self.instance.status}' the inquiry can go to: {', '.join(allowed) or 'nothing'}."
                )
        return target


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="(unassigned)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _sales_users()


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    form = InquiryAdminForm
    list_display = (
        "full_name",
        "email",
        "company",
        "inquiry_type",
        "country",
        "lead_score",
        "status",
        "assigned_to",
        "source",
        "created_at",
    )
    list_filter = (
        "status",
        "inquiry_type",
        "country",
        ScoreRangeFilter,
        AssignedFilter,
        "source",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("full_name", "email", "company", "message")
    list_select_related = ("assigned_to",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["mark_in_progress", "mark_resolved", "mark_closed", "assign", "soft_delete"]
    readonly_fields = (
        "lead_score",
        "score_explained",
        "ip_address",
        "user_agent",
        "converted_customer",
        "converted_at",
        "rfq_id",
        "import_job",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("inquiry_type", "status", "assigned_to", "notes")}),
        ("Contact", {"fields": ("full_name", "email", "phone", "company", "country")}),
        ("Inquiry", {"fields": ("message", "metadata", "source")}),
        ("Score", {"fields": ("lead_score", "score_explained")}),
        ("Conversion", {"fields": ("converted_customer", "converted_at", "rfq_id")}),
        ("Origin", {"fields": ("ip_address", "user_agent", "import_job", "created_at", "updated_at")}),
    )
    EDITABLE_ON_CHANGE = ("status", "assigned_to", "notes")

    def get_queryset(self, request):
        """The same visibility as the API: a sales user sees the inquiries assigned to them."""
        qs = super().get_queryset(request)
        return inquiries_visible(user=request.user, queryset=qs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [f.name for f in Inquiry._meta.fields if f.name not in self.EDITABLE_ON_CHANGE] + [
            "score_explained"
        ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (None, {"fields": ("inquiry_type", "assigned_to", "notes")}),
                ("Contact", {"fields": ("full_name", "email", "phone", "company", "country")}),
                ("Inquiry", {"fields": ("message", "metadata", "source")}),
            )
        return self.fieldsets

    @admin.display(description="Matched rules")
    def score_explained(self, obj):
        if not obj.matched_rules:
            return "No rule matched."
        return format_html_join(
            "",
            "<div>{} <strong>{}{}</strong></div>",
            (
                (m.get("rule_name"), "+" if m.get("score_value", 0) >= 0 else "", m.get("score_value"))
                for m in obj.matched_rules
            ),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            data = {name: form.cleaned_data.get(name) for name in form.cleaned_data}
            created = inquiries.inquiry_create_by_staff(data=data, actor=request.user)
            obj.pk = created.pk
            return
        data = {
            name: form.cleaned_data[name] for name in self.EDITABLE_ON_CHANGE if name in form.changed_data
        }
        if data:
            inquiries.inquiry_update(inquiry=obj, data=data, actor=request.user)

    def save_related(self, request, form, formsets, change):
        """No many-to-many fields or inlines: nothing to save beyond the service's work."""

    def delete_model(self, request, obj):
        inquiries.inquiry_soft_delete(inquiry=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for inquiry in queryset:
            inquiries.inquiry_soft_delete(inquiry=inquiry, actor=request.user)

    def _each(self, request, queryset, action, verb):
        done = 0
        for inquiry in queryset:
            try:
                action(inquiry)
                done += 1
            except (ApplicationError, ValidationError) as exc:
                detail = getattr(exc, "detail", None) or "; ".join(exc.messages)
                self.message_user(request, f"{inquiry}: {detail}", messages.ERROR)
        if done:
            self.message_user(
                request, f"{verb} {done} inquir{'y' if done == 1 else 'ies'}.", messages.SUCCESS
            )

    def _transition(self, request, queryset, target, verb):
        self._each(
            request,
            queryset,
            lambda i: inquiries.inquiry_transition(inquiry=i, target=target, actor=request.user),
            verb,
        )

    @admin.action(description="Mark in progress", permissions=["change"])
    def mark_in_progress(self, request, queryset):
        self._transition(request, queryset, S.IN_PROGRESS, "Marked in progress")

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._transition(request, queryset, S.RESOLVED, "Resolved")

    @admin.action(description="Mark closed", permissions=["change"])
    def mark_closed(self, request, queryset):
        self._transition(request, queryset, S.CLOSED, "Closed")

    @admin.action(description="Soft delete (hide)", permissions=["delete"])
    def soft_delete(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda i: inquiries.inquiry_soft_delete(inquiry=i, actor=request.user),
            "Deleted",
        )

    @admin.action(description="Assign to a sales user", permissions=["change"])
    def assign(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            assignee = form.cleaned_data["assignee"]
            self._each(
                request,
                queryset,
                lambda i: inquiries.inquiry_assign(inquiry=i, assignee=assignee, actor=request.user),
                "Assigned",
            )
            return None
        return action_form_page(
            self,
            request,
            "admin/leads/inquiry/assign.html",
            title="Assign inquiries",
            inquiries=queryset,
            form=form,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # soft_delete instead
        return actions


class RuleAdminForm(forms.ModelForm):
    class Meta:
        model = LeadScoringRule
        fields = ("rule_name", "rule_type", "condition", "score_value", "is_active", "position")


@admin.register(LeadScoringRule)
class LeadScoringRuleAdmin(admin.ModelAdmin):
    form = RuleAdminForm
    list_display = (
        "rule_name",
        "rule_type",
        "condition_text",
        "score_value",
        "is_active",
        "position",
        "preview_link",
    )
    list_filter = ("rule_type", "is_active")
    search_fields = ("rule_name",)
    ordering = ("position", "rule_name")
    actions = ["preview"]

    @admin.display(description="Condition")
    def condition_text(self, obj):
        return json.dumps(obj.condition, ensure_ascii=False)

    @admin.display(description="Test")
    def preview_link(self, obj):
        url = reverse("admin:leads_leadscoringrule_preview", args=[obj.pk])
        return format_html('<a href="{}">Test on the last 100 inquiries</a>', url)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in RuleAdminForm.Meta.fields if name in form.cleaned_data
        }
        if change:
            rules.rule_update(rule=obj, data=data, actor=request.user)
        else:
            created = rules.rule_create(data=data, actor=request.user)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        rules.rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            rules.rule_delete(rule=rule, actor=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [path("<uuid:pk>/preview/", view, name="leads_leadscoringrule_preview"), *super().get_urls()]

    @admin.action(description="Test against the last 100 inquiries (one rule)", permissions=["view"])
    def preview(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one rule to test.", messages.WARNING)
            return None
        return redirect(reverse("admin:leads_leadscoringrule_preview", args=[queryset.get().pk]))

    def preview_view(self, request, pk):
        """Which of the last 100 inquiries the rule matches and how their scores would move.
        POST tests an edited condition/score without saving anything."""
        from .selectors import rule_preview

        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        rule = get_object_or_404(LeadScoringRule, pk=pk)
        condition, score_value = rule.condition, rule.score_value
        errors = []
        if request.method == "POST":
            try:
                condition = json.loads(request.POST.get("condition", ""))
            except ValueError:
                errors.append("The condition is not valid JSON.")
            try:
                score_value = int(request.POST.get("score_value", ""))
            except ValueError:
                errors.append("The score value must be a whole number.")
            if not errors:
                try:
                    condition_validate(condition=condition)
                except ValidationError as exc:
                    errors += [f"{key}: {'; '.join(msgs)}" for key, msgs in exc.message_dict.items()]
        result = None
        if not errors and not condition_errors(condition):
            result = rule_preview(
                rule_id=rule.pk, rule_name=rule.rule_name, condition=condition, score_value=score_value
            )
        return TemplateResponse(
            request,
            "admin/leads/leadscoringrule/preview.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Test rule: {rule.rule_name}",
                "rule": rule,
                "opts": self.model._meta,
                "condition_json": json.dumps(condition, indent=2, ensure_ascii=False),
                "score_value": score_value,
                "errors": errors,
                "result": result,
            },
        )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Contact imports: read-only (they are made through POST /api/v1/import/contacts)."""

    list_display = (
        "created_at",
        "file_name",
        "status",
        "dry_run",
        "skip_invalid",
        "total_rows",
        "created_count",
        "updated_count",
        "rejected_count",
        "created_by",
    )
    list_filter = ("status", "dry_run", "skip_invalid")
    search_fields = ("file_name", "created_by__email")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    fields = (
        "status",
        "file_name",
        "created_by",
        "dry_run",
        "skip_invalid",
        "total_rows",
        "created_count",
        "updated_count",
        "rejected_count",
        "error",
        "rejected_rows",
        "started_at",
        "finished_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="Rejected rows")
    def rejected_rows(self, obj):
        rejected = (obj.report or {}).get("rejected") or []
        if not rejected:
            return "—"
        return format_html_join(
            "",
            "<div>Line {}: {} — {}</div>",
            (
                (
                    r.get("line"),
                    r.get("email") or "(no email)",
                    "; ".join(f"{e.get('field') or 'row'}: {e.get('detail')}" for e in r.get("errors", [])),
                )
                for r in rejected[:200]
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
