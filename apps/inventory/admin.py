from django import forms
from django.contrib import admin, messages

from apps.core.admin import ActivityLoggedAdminMixin, action_form_page
from apps.core.errors import ApplicationError

from . import services
from .models import Reservation, StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "priority", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    ordering = ("priority", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # stock and its ledger point at warehouses: deactivate instead


class AdjustStockForm(forms.Form):
    quantity_delta = forms.IntegerField(help_text="Positive to add, negative to remove.")
    reason = forms.ChoiceField(
        choices=[(r, StockMovement.Reason(r).label) for r in StockMovement.ADJUSTMENT_REASONS]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_quantity_delta(self):
        value = self.cleaned_data["quantity_delta"]
        if value == 0:
            raise forms.ValidationError("Must not be 0.")
        return value


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    """On-hand and reserved change only through the adjust action (the same service as the
    API), so every change has its ledger movement."""

    list_display = ("sku", "product", "warehouse", "on_hand", "reserved", "available", "threshold", "low")
    list_filter = ("warehouse",)
    search_fields = ("variant__sku", "variant__product__name")
    list_select_related = ("variant__product", "warehouse")
    fields = ("variant", "warehouse", "on_hand", "reserved", "low_stock_threshold", "low_stock_notified_at")
    readonly_fields = ("variant", "warehouse", "on_hand", "reserved", "low_stock_notified_at")
    actions = ["adjust_stock"]

    def has_add_permission(self, request):
        return False  # levels appear with their first adjustment

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from .selectors import stock_level_list

        return stock_level_list()

    @admin.display(description="SKU", ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.sku

    @admin.display(description="Product", ordering="variant__product__name")
    def product(self, obj):
        return obj.variant.product.name

    @admin.display(description="Available", ordering="available_qty")
    def available(self, obj):
        return obj.available_qty

    @admin.display(description="Threshold")
    def threshold(self, obj):
        return obj.threshold

    @admin.display(description="Low", boolean=True, ordering="is_low")
    def low(self, obj):
        return obj.is_low

    def save_model(self, request, obj, form, change):
        from apps.core.activity import activity_record, snapshot

        before = snapshot(StockLevel.objects.get(pk=obj.pk))
        StockLevel.objects.filter(pk=obj.pk).update(low_stock_threshold=obj.low_stock_threshold)
        activity_record(
            actor=request.user,
            action="update",
            entity=obj,
            before=before,
            after=snapshot(obj),
        )

    @admin.action(description="Adjust stock of the selected levels", permissions=["change"])
    def adjust_stock(self, request, queryset):
        levels = list(queryset.select_related("variant", "warehouse"))
        form = AdjustStockForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for level in levels:
                try:
                    services.stock_adjust(
                        variant=level.variant,
                        warehouse=level.warehouse,
                        quantity_delta=form.cleaned_data["quantity_delta"],
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                        actor=request.user,
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(
                        request,
                        f"{level.variant.sku} at {level.warehouse.code}: {exc.detail}",
                        messages.ERROR,
                    )
            if done:
                self.message_user(request, f"Adjusted {done} stock level(s).", messages.SUCCESS)
            return None
        return action_form_page(
            self, request, "admin/inventory/adjust_stock.html", title="Adjust stock", levels=levels, form=form
        )


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The ledger: read-only."""

    list_display = (
        "created_at",
        "sku",
        "warehouse",
        "reason",
        "on_hand_delta",
        "reserved_delta",
        "reference",
        "actor",
    )
    list_filter = ("reason", "warehouse", ("created_at", admin.DateFieldListFilter))
    search_fields = ("variant__sku", "reference", "note")
    list_select_related = ("variant", "warehouse", "actor")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="SKU", ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.sku


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("reference", "variant", "warehouse", "quantity", "state", "expires_at", "created_at")
    list_filter = ("state", "warehouse")
    search_fields = ("reference", "variant__sku")
    list_select_related = ("variant", "warehouse")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
