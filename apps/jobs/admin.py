"""The staff's pages of service jobs: service types, providers with their resources and
availability, and jobs (read-only but for staff's note and flag) with the actions to match a
waiting job now and to reassign jobs. Jobs are never deleted here: a job keeps its history and
may have payments (``orders``)."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from apps.core.admin import action_form_page
from apps.core.errors import ApplicationError

from . import services as jobs
from .models import Job, JobEvent, JobOffer, Resource, ResourceBlock, ServiceProvider, ServiceType
from .workflows import JOB


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "unit", "hours_per_unit", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ("name", "rate_per_hour", "travel_fee_per_km", "currency", "base_lat", "base_lng", "is_active")
    show_change_link = True


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ("business_name", "user", "phone", "is_active", "resource_count")
    list_filter = ("is_active",)
    search_fields = ("business_name", "user__email", "phone")
    raw_id_fields = ("user",)
    inlines = [ResourceInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).select_related("user").annotate(_resources=Count("resources"))

    @admin.display(description="Resources", ordering="_resources")
    def resource_count(self, obj):
        return obj._resources


class ResourceBlockInline(admin.TabularInline):
    """The availability calendar: the date ranges (inclusive) the resource is not available."""

    model = ResourceBlock
    extra = 1
    fields = ("start_date", "end_date", "reason")
    verbose_name = "unavailable period"
    verbose_name_plural = "availability: unavailable periods"


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "provider",
        "capability_list",
        "rate_per_hour",
        "currency",
        "map_link",
        "is_active",
    )
    list_filter = ("is_active", "currency", "capabilities", "provider")
    search_fields = ("name", "provider__business_name")
    list_select_related = ("provider",)
    filter_horizontal = ("capabilities",)
    inlines = [ResourceBlockInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("capabilities")

    @admin.display(description="Capabilities")
    def capability_list(self, obj):
        return ", ".join(c.name for c in obj.capabilities.all())

    @admin.display(description="Base")
    def map_link(self, obj):
        return _map_link(obj.base_lat, obj.base_lng)


def _map_link(lat, lng):
    url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=12/{lat}/{lng}"
    return format_html('<a href="{}" target="_blank" rel="noopener">{}, {}</a>', url, lat, lng)


class JobEventInline(admin.TabularInline):
    """The job's history, oldest first: read-only (moves go through the workflow)."""

    model = JobEvent
    extra = 0
    can_delete = False
    ordering = ("occurred_at", "recorded_at")
    fields = ("occurred_at", "from_status", "to_status", "actor", "location", "note", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class JobOfferInline(admin.TabularInline):
    model = JobOffer
    extra = 0
    can_delete = False
    fields = ("created_at", "resource", "rank", "distance_km", "status", "responded_at", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReassignForm(forms.Form):
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.filter(is_active=True).select_related("provider"),
        help_text="It must do the job's service, charge in its currency and be free that day.",
    )
    note = forms.CharField(required=False, max_length=500)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "__str__", "status", "preferred_date", "provider", "resource", "distance_km", "needs_attention",
        "paid_at", "created_at",
    )  # fmt: skip
    list_filter = ("status", "needs_attention", "service_type", "preferred_date")
    search_fields = ("customer__email", "site_address", "provider__business_name", "resource__name")
    list_select_related = ("service_type", "customer", "provider", "resource")
    date_hierarchy = "preferred_date"
    readonly_fields = (
        "customer", "service_type", "site_address", "site_map", "size", "preferred_date", "estimated_hours",
        "currency", "status", "status_at", "allowed_next", "provider", "resource", "distance_km",
        "accepted_at", "completed_at", "paid_at", "created_at",
    )  # fmt: skip
    fields = (*readonly_fields, "needs_attention", "notes")
    inlines = [JobOfferInline, JobEventInline]
    actions = ["reassign", "match_now"]

    def has_add_permission(self, request):
        return False  # customers ask for jobs through the API (matching and the workflow follow)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Site on the map")
    def site_map(self, obj):
        return _map_link(obj.site_lat, obj.site_lng)

    @admin.display(description="Allowed next")
    def allowed_next(self, obj):
        return ", ".join(JOB.allowed_next(obj.status)) or "none (final)"

    @admin.action(
        description="Offer the selected waiting jobs to the nearest resource now", permissions=["change"]
    )
    def match_now(self, request, queryset):
        offered = 0
        for job in queryset.filter(status=Job.Status.SENT):
            try:
                offered += jobs.job_match(job=job, actor=request.user) is not None
            except ApplicationError as exc:
                self.message_user(request, f"{job}: {exc.detail}", messages.ERROR)
        self.message_user(
            request, f"Offered {offered} job(s).", messages.SUCCESS if offered else messages.WARNING
        )

    @admin.action(description="Reassign the selected jobs to a resource", permissions=["change"])
    def reassign(self, request, queryset):
        selected = list(queryset.select_related("service_type", "resource", "provider"))
        form = ReassignForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for job in selected:
                try:
                    jobs.job_reassign(
                        job=job, resource=form.cleaned_data["resource"], actor=request.user,
                        note=form.cleaned_data["note"],
                    )  # fmt: skip
                    done += 1
                except ApplicationError as exc:
                    self.message_user(request, f"{job}: {exc.detail}", messages.ERROR)
            if done:
                self.message_user(request, f"Reassigned {done} job(s).", messages.SUCCESS)
            return None
        return action_form_page(
            self, request, "admin/jobs/reassign.html", title="Reassign jobs", jobs=selected, form=form
        )
