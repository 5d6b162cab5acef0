from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from apps.core.admin import action_form_page
from apps.core.errors import ApplicationError

from . import services
from .models import Carrier, Shipment, ShipmentEvent, ShipmentLine
from .workflows import SHIPMENT


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active", "tracking_url_template")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    fields = ("name", "code", "is_active", "tracking_url_template", "webhook_secret", "status_map")


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ShipmentEventInline(admin.TabularInline):
    """The timeline, oldest first: read-only (events are added through the workflow)."""

    model = ShipmentEvent
    extra = 0
    can_delete = False
    ordering = ("occurred_at", "recorded_at")
    fields = ("occurred_at", "from_status", "to_status", "applied", "location", "note", "source", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AddEventForm(forms.Form):
    status = forms.ChoiceField(choices=Shipment.Status.choices)
    location = forms.CharField(required=False, max_length=200, help_text="Coarse: a city or a depot.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = forms.DateTimeField(required=False, help_text="Empty: now.")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "tracking_number",
        "carrier",
        "order",
        "status",
        "status_at",
        "tracking_code",
        "created_at",
    )
    list_filter = ("status", "carrier")
    search_fields = ("tracking_number", "tracking_code", "order__number", "order__email")
    list_select_related = ("carrier", "order")
    readonly_fields = (
        "order", "carrier", "tracking_number", "tracking_code", "carrier_link", "status", "status_at",
        "delivered_at", "allowed_next", "created_by", "created_at",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ShipmentLineInline, ShipmentEventInline]
    actions = ["add_event"]

    def has_add_permission(self, request):
        return False  # shipments are created through the API (the order's lines and workflow)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Carrier's page")
    def carrier_link(self, obj):
        url = obj.carrier.tracking_url(obj.tracking_number)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url) if url else "—"

    @admin.display(description="Allowed next")
    def allowed_next(self, obj):
        return ", ".join(SHIPMENT.allowed_next(obj.status)) or "none (final)"

    @admin.action(description="Add an event to the selected shipments", permissions=["change"])
    def add_event(self, request, queryset):
        shipments = list(queryset.select_related("carrier", "order"))
        form = AddEventForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for shipment in shipments:
                try:
                    services.shipment_event_record(
                        shipment=shipment,
                        status=form.cleaned_data["status"],
                        location=form.cleaned_data["location"],
                        note=form.cleaned_data["note"],
                        occurred_at=form.cleaned_data["occurred_at"] or timezone.now(),
                        actor=request.user,
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(request, f"{shipment}: {exc.detail}", messages.ERROR)
            if done:
                self.message_user(request, f"Recorded the event on {done} shipment(s).", messages.SUCCESS)
            return None
        return action_form_page(
            self,
            request,
            "admin/tracking/add_event.html",
            title="Add a shipment event",
            shipments=shipments,
            form=form,
        )
