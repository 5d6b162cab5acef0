from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.errors import ApplicationError
from apps.inventory.api import Reservation

from .models import (
    Order,
    OrderLine,
    OrderStatusHistory,
    Payment,
    ReconciliationIssue,
    ReconciliationRun,
    Refund,
    WebhookEvent,
)
from .services import status as order_status
from .services import webhooks


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "unit_price", "quantity", "line_total")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("provider", "reference", "amount", "currency", "status", "amount_captured", "amount_refunded")
    readonly_fields = fields
    show_change_link = True


class HistoryInline(ReadOnlyInline):
    model = OrderStatusHistory
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders change only through their services (state machine, cancel, refunds)."""

    list_display = ("number", "email", "status", "total", "currency", "needs_review", "created_at")
    list_filter = ("status", "currency", "needs_review", ("created_at", admin.DateFieldListFilter))
    search_fields = ("number", "email")
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline, HistoryInline]
    readonly_fields = (
        "number", "customer", "email", "status", "currency", "subtotal", "shipping", "tax", "total",
        "shipping_address", "billing_address", "reserved_until", "paid_at", "delivered_at", "cancelled_at",
        "needs_review", "review_reason", "reservations",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["mark_fulfilling", "cancel_and_refund"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Stock reservations")
    def reservations(self, order):
        rows = Reservation.objects.filter(reference=order.reservation_reference).select_related(
            "variant", "warehouse"
        )
        return (
            format_html_join(
                "",
                "<div>{} × {} at {}: {}</div>",
                ((r.quantity, r.variant.sku, r.warehouse.code, r.state) for r in rows),
            )
            or "—"
        )

    def _each(self, request, queryset, action, verb):
        done = 0
        for order in queryset:
            try:
                action(order)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{order.number}: {exc.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} order(s).", messages.SUCCESS)

    @admin.action(description="Mark fulfilling", permissions=["change"])
    def mark_fulfilling(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda o: order_status.order_transition(order=o, target="fulfilling", actor=request.user),
            "Marked fulfilling",
        )

    @admin.action(description="Cancel (and refund what was paid)", permissions=["change"])
    def cancel_and_refund(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda o: order_status.order_cancel(order=o, actor=request.user, reason="cancelled by staff"),
            "Cancelled",
        )


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "status", "reference", "restock", "reason", "actor")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "order",
        "subject",
        "provider",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "created_at",
    )
    list_filter = ("provider", "status", "currency")
    search_fields = ("reference", "order__number")
    list_select_related = ("order",)
    inlines = [RefundInline]
    readonly_fields = (
        "order", "subject", "provider", "reference", "amount", "currency", "status", "amount_captured",
        "amount_refunded", "provider_refunds", "review_reason", "succeeded_at", "created_at",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Pays for (not an order)")
    def subject(self, obj):
        """The subject's admin page (found by its label, as orders imports no app above it)."""
        if not obj.subject_type:
            return "—"
        text = f"{obj.subject_type} {obj.subject_id}"
        try:
            url = reverse(f"admin:{obj.subject_type.replace('.', '_')}_change", args=[obj.subject_id])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("payment", "amount", "status", "reference", "restock", "actor", "created_at")
    list_filter = ("status", "restock")
    search_fields = ("reference", "payment__reference", "payment__order__number")
    list_select_related = ("payment", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_id", "provider", "type", "received_at", "processed_at", "rejected", "attempts", "has_error",
    )  # fmt: skip
    list_filter = ("provider", "type", "rejected", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "type")
    readonly_fields = (
        "provider",
        "event_id",
        "type",
        "payload",
        "received_at",
        "processed_at",
        "rejected",
        "error",
        "attempts",
    )
    fields = readonly_fields
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="Error")
    def has_error(self, event):
        return bool(event.error)

    @admin.action(description="Reprocess (events not processed yet)", permissions=["change"])
    def reprocess(self, request, queryset):
        for event in queryset:
            try:
                outcome = webhooks.webhook_reprocess(event=event)
                self.message_user(request, f"{event.event_id}: {outcome}", messages.SUCCESS)
            except Exception as exc:  # noqa: BLE001 - recorded on the event; shown to staff
                self.message_user(request, f"{event.event_id}: {type(exc).__name__}: {exc}", messages.ERROR)


class IssueInline(ReadOnlyInline):
    model = ReconciliationIssue
    fields = (
        "kind", "reference", "payment", "provider_amount", "provider_currency", "provider_status",
        "local_amount", "local_currency", "local_status", "applied", "detail",
    )  # fmt: skip
    readonly_fields = fields


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "provider",
        "status",
        "provider_count",
        "local_count",
        "issue_count",
        "applied_count",
    )
    list_filter = ("provider", "status")
    inlines = [IssueInline]
    readonly_fields = (
        "provider", "since", "status", "provider_count", "local_count", "issue_count", "applied_count",
        "finished_at", "error", "triggered_by",
    )  # fmt: skip
    fields = readonly_fields
    change_list_template = "admin/orders/reconciliationrun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        run_now = self.admin_site.admin_view(self.run_now)
        return [path("run-now/", run_now, name="orders_reconciliationrun_run_now"), *super().get_urls()]

    def run_now(self, request):
        from .tasks import reconcile_payments

        if request.method != "POST" or not self.has_change_permission(request):
            return redirect(reverse("admin:orders_reconciliationrun_changelist"))
        reconcile_payments.delay(actor_id=str(request.user.pk))
        self.message_user(request, "Reconciliation started; its runs appear below.", messages.SUCCESS)
        return redirect(reverse("admin:orders_reconciliationrun_changelist"))


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "kind",
        "run",
        "provider_amount",
        "local_amount",
        "provider_status",
        "local_status",
        "applied",
    )
    list_filter = ("kind", "applied", "run__provider")
    search_fields = ("reference",)
    list_select_related = ("run",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
