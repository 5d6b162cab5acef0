"""The RFQ back office: RFQs with their items, quotes and history; a quote builder (lines from
SKUs, catalog prices filled in, totals by the service) and sending. Status changes, assignment,
quote versions, pricing and sending go through the services; every write is in the activity log.

Sales users see the RFQs assigned to them (object permissions), like in the API; users with the
model-wide ``rfq.view_rfq`` permission see them all."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.accounts.api import objects_visible_to
from apps.core.activity import activity_record, snapshot
from apps.core.admin import ActivityLoggedAdminMixin
from apps.core.errors import ApplicationError
from apps.core.roles import ADMIN, SALES

from . import workflows
from .currencies import quote_currency_normalize
from .models import RFQ, Quote, QuoteLine, RFQItem, RFQStatusHistory
from .services import quotes, rfqs
from .services.emails import quote_public_url
from .validators import country_code_normalize, nul_free_validator


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.detail
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- RFQs --------------------------------------------------------------------------------------


class RFQItemForm(forms.ModelForm):
    class Meta:
        model = RFQItem
        fields = ("product", "variant", "quantity", "notes")

    def clean(self):
        data = super().clean()
        if not data.get("product") and not data.get("variant"):
            raise ValidationError("Choose a product or a SKU.")
        return data


class RFQItemInline(admin.TabularInline):
    model = RFQItem
    form = RFQItemForm
    fields = ("product", "variant", "quantity", "notes", "product_name", "sku")
    readonly_fields = ("product_name", "sku")
    autocomplete_fields = ("product", "variant")
    extra = 0


class QuoteInline(ReadOnlyInline):
    model = Quote
    fields = ("version", "status", "currency", "total", "valid_until", "sent_at", "accepted_at", "order")
    readonly_fields = fields
    show_change_link = True
    ordering = ("-version",)


class HistoryInline(ReadOnlyInline):
    model = RFQStatusHistory
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields


class RFQAdminForm(forms.ModelForm):
    class Meta:
        model = RFQ
        fields = (
            "assigned_to", "full_name", "email", "company", "country", "phone", "customer",
            "product_category", "budget_range", "timeline", "requirements", "specifications", "notes",
        )  # fmt: skip

    def clean_country(self):
        try:
            return country_code_normalize(self.cleaned_data.get("country") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_specifications(self):
        value = self.cleaned_data.get("specifications")
        nul_free_validator(value)  # text fields check this themselves; JSON does not
        return value


def _sales_users():
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=[SALES, ADMIN]) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("email")
    )


@admin.register(RFQ)
class RFQAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    form = RFQAdminForm
    list_display = (
        "number",
        "full_name",
        "company",
        "email",
        "status",
        "product_category",
        "assigned_to",
        "created_at",
    )
    list_filter = (
        "status",
        ("product_category", admin.RelatedOnlyFieldListFilter),
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("number", "email", "company", "full_name")
    date_hierarchy = "created_at"
    list_select_related = ("product_category", "assigned_to")
    autocomplete_fields = ("product_category",)
    raw_id_fields = ("customer",)
    inlines = [RFQItemInline, QuoteInline, HistoryInline]
    readonly_fields = (
        "number",
        "status",
        "decision_date",
        "inquiry_id",
        "new_quote",
        "created_at",
        "updated_at",
        "erased_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "decision_date", "assigned_to", "new_quote")}),
        (
            "Requester",
            {"fields": ("full_name", "email", "company", "country", "phone", "customer", "inquiry_id")},
        ),
        (
            "Request",
            {"fields": ("product_category", "budget_range", "timeline", "requirements", "specifications")},
        ),
        ("Staff", {"fields": ("notes", "created_at", "updated_at", "erased_at")}),
    )
    actions = ["assign_to_me", "mark_won", "mark_lost", "cancel"]

    def get_queryset(self, request):
        return objects_visible_to(user=request.user, queryset=super().get_queryset(request), perm="view")

    def has_delete_permission(self, request, obj=None):
        return False  # RFQs are kept: lost or cancelled, never deleted

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = _sales_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Quote")
    def new_quote(self, rfq):
        if rfq._state.adding or rfq.status not in workflows.QUOTABLE:
            return "—"
        url = reverse("admin:rfq_quote_add") + f"?rfq={rfq.pk}"
        return format_html('<a class="button" href="{}">Write a new quote</a>', url)

    def save_model(self, request, obj, form, change):
        """Assignment goes through the service (object permissions follow the assignee)."""
        assignee = obj.assigned_to
        previous = (
            RFQ.objects.filter(pk=obj.pk).values_list("assigned_to", flat=True).first() if change else None
        )
        obj.assigned_to_id = previous
        if not change:
            rfqs.rfq_number_assign(rfq=obj)
            if assignee is None and not request.user.has_perm("rfq.view_rfq"):
                assignee = request.user  # a sales user sees only assigned RFQs: keep it in view
        super().save_model(request, obj, form, change)
        if not change:
            rfqs.rfq_history_start(rfq=obj, actor=request.user, reason="entered in the admin")
        if (assignee.pk if assignee else None) != previous:
            rfqs.rfq_assign(rfq=obj, assignee=assignee, actor=request.user)
            obj.assigned_to = assignee

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rfqs.rfq_items_refresh(rfq=form.instance)

    def _each(self, request, queryset, action, verb):
        done = 0
        for rfq in queryset:
            try:
                action(rfq)
                done += 1
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, f"{rfq.number}: {_error_text(exc)}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} RFQ(s).", messages.SUCCESS)

    def _transition(self, request, queryset, target, verb):
        self._each(
            request,
            queryset,
            lambda rfq: rfqs.rfq_transition(
                rfq=rfq, target=target, actor=request.user, reason="from the admin"
            ),
            verb,
        )

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda rfq: rfqs.rfq_assign(rfq=rfq, assignee=request.user, actor=request.user),
            "Assigned",
        )

    @admin.action(description="Mark won (closed outside the platform)", permissions=["change"])
    def mark_won(self, request, queryset):
        self._transition(request, queryset, RFQ.Status.WON, "Marked won")

    @admin.action(description="Mark lost", permissions=["change"])
    def mark_lost(self, request, queryset):
        self._transition(request, queryset, RFQ.Status.LOST, "Marked lost")

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request, queryset):
        self._transition(request, queryset, RFQ.Status.CANCELLED, "Cancelled")


# --- Quotes ------------------------------------------------------------------------------------


class QuoteLineForm(forms.ModelForm):
    unit_price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Blank: the catalog price in the quote's currency.",
    )

    class Meta:
        model = QuoteLine
        fields = ("variant", "quantity", "unit_price", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].required = True
        self.fields["variant"].label = "SKU"
        self.fields["description"].required = False

    def clean(self):
        data = super().clean()
        variant = data.get("variant")
        if variant is not None:
            self.instance.sku = variant.sku
            variant_changed = "variant" in self.changed_data and "description" not in self.changed_data
            if not data.get("description") or variant_changed:
                data["description"] = quotes.line_description(variant=variant)
        return data


class QuoteLineFormSet(BaseInlineFormSet):
    """A blank unit price takes the catalog price of the SKU in the quote's currency (a SKU with
    no such price needs one typed in). Line totals and the quote's total must fit what a quote
    can hold (``quotes.MAX_QUOTE_TOTAL``): the service's rule, shown on the line or the form."""

    def clean(self):
        super().clean()
        currency = (self.instance.currency or "").upper()
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("variant") is not None
        ]
        blank = [form for form in kept if form.cleaned_data.get("unit_price") is None]
        if not currency:
            return
        if blank:
            prices = quotes.catalog_prices(
                variant_ids=[f.cleaned_data["variant"].pk for f in blank], currency=currency
            )
            for form in blank:
                price = prices.get(form.cleaned_data["variant"].pk)
                if price is None:
                    form.add_error("unit_price", f"No catalog price in {currency}: enter the unit price.")
                else:
                    form.cleaned_data["unit_price"] = price
                    form.instance.unit_price = price
        self._check_amounts(kept, currency)

    def _check_amounts(self, forms_kept, currency: str) -> None:
        priced = [
            form
            for form in forms_kept
            if form.cleaned_data.get("unit_price") is not None and form.cleaned_data.get("quantity")
        ]
        if len(priced) != len(forms_kept):
            return  # a line still has an error of its own
        line_totals = []
        for form in priced:
            amount = quotes.line_total_for(
                unit_price=form.cleaned_data["unit_price"],
                quantity=form.cleaned_data["quantity"],
                currency=currency,
            )
            line_totals.append(amount)
            if amount > quotes.MAX_QUOTE_TOTAL:
                form.add_error(
                    "quantity", quotes.too_large_message(what="line total", amount=amount, currency=currency)
                )
        if all(amount <= quotes.MAX_QUOTE_TOTAL for amount in line_totals):
            try:
                quotes.quote_totals_check(line_totals=line_totals, currency=currency)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    form = QuoteLineForm
    formset = QuoteLineFormSet
    fields = ("variant", "quantity", "unit_price", "description", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("variant",)
    extra = 1

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == Quote.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self._draft(obj) else 0


class QuoteAdminForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ("rfq", "currency", "valid_until", "notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "valid_until" in self.fields and self.instance._state.adding:
            self.fields["valid_until"].initial = quotes.default_valid_until()

    def clean_currency(self):
        try:
            return quote_currency_normalize(self.cleaned_data.get("currency") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self):
        data = super().clean()
        rfq = data.get("rfq") or (self.instance.rfq if self.instance.rfq_id else None)
        if self.instance._state.adding and rfq is not None and rfq.status not in workflows.QUOTABLE:
            self.add_error("rfq", f"RFQ {rfq.number} is {rfq.status}: no more quotes.")
        valid_until = data.get("valid_until")
        if valid_until and "valid_until" in self.changed_data and valid_until < timezone.now().date():
            self.add_error("valid_until", "Must be today or later.")
        return data


@admin.register(Quote)
class QuoteAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    """The quote builder: pick the RFQ, the currency and the validity, add lines by SKU (a blank
    unit price takes the catalog's), save (the service prices the lines and computes the totals),
    then "Send" from the list."""

    form = QuoteAdminForm
    list_display = (
        "__str__",
        "rfq_link",
        "version",
        "status",
        "currency",
        "total",
        "valid_until",
        "sent_at",
        "created_by",
    )
    list_filter = ("status", "currency", ("valid_until", admin.DateFieldListFilter))
    search_fields = ("rfq__number", "rfq__email", "rfq__company")
    list_select_related = ("rfq", "created_by")
    autocomplete_fields = ("rfq",)
    inlines = [QuoteLineInline]
    actions = ["send_quote"]
    readonly_fields = (
        "version",
        "status",
        "subtotal",
        "shipping",
        "tax",
        "total",
        "sent_at",
        "accepted_at",
        "declined_at",
        "decline_reason",
        "order",
        "created_by",
        "public_link",
    )

    class Media:
        js = ("admin/js/jquery.init.js", "rfq/quote_builder.js")  # after django.jQuery exists

    def get_queryset(self, request):
        visible = objects_visible_to(user=request.user, queryset=RFQ.objects.all(), perm="view")
        return super().get_queryset(request).filter(rfq__in=visible.values("pk"))

    def has_delete_permission(self, request, obj=None):
        return False  # superseded or expired instead

    def get_fields(self, request, obj=None):
        head = ["rfq", "currency", "valid_until", "notes"]
        if obj is None:
            return head
        return [
            *head,
            "version",
            "status",
            "subtotal",
            "shipping",
            "tax",
            "total",
            "sent_at",
            "accepted_at",
            "declined_at",
            "decline_reason",
            "order",
            "created_by",
            "public_link",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        frozen = (
            ("rfq", "currency")
            if obj.status == Quote.Status.DRAFT
            else ("rfq", "currency", "valid_until", "notes")
        )
        return (*frozen, *self.readonly_fields)

    @admin.display(description="RFQ", ordering="rfq__number")
    def rfq_link(self, quote):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:rfq_rfq_change", args=[quote.rfq_id]), quote.rfq.number
        )

    @admin.display(description="Customer's link")
    def public_link(self, quote):
        if quote.status == Quote.Status.DRAFT:
            return "— (sent with the quote email)"
        url = quote_public_url(quote=quote)
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new version: numbered, the previous open one superseded, by the service.
        quotes.quote_open(quote=obj, actor=request.user)
        activity_record(actor=request.user, action="create", entity=obj, after=snapshot(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == Quote.Status.DRAFT:
            quotes.quote_recompute(quote=form.instance)

    @admin.action(description="Send to the customer (email)", permissions=["change"])
    def send_quote(self, request, queryset):
        sent = 0
        for quote in queryset.select_related("rfq"):
            try:
                quotes.quote_send(quote=quote, actor=request.user)
                sent += 1
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, f"{quote}: {_error_text(exc)}", messages.ERROR)
        if sent:
            self.message_user(request, f"Sent {sent} quote(s).", messages.SUCCESS)

    def get_urls(self):
        price = self.admin_site.admin_view(self.catalog_price)
        return [path("catalog-price/", price, name="rfq_quote_catalog_price"), *super().get_urls()]

    def catalog_price(self, request):
        """For the quote builder's script: the SKU's description and catalog price in a currency."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        currency = request.GET.get("currency", "").strip().upper()
        variant_id = request.GET.get("variant", "").strip()
        try:
            variant = quotes.variant_for_pricing(variant_id=variant_id)
        except ValidationError:
            variant = None
        if variant is None:
            return JsonResponse({"error": "No such SKU."}, status=404)
        price = (
            quotes.catalog_prices(variant_ids=[variant.pk], currency=currency).get(variant.pk)
            if currency
            else None
        )
        return JsonResponse(
            {
                "sku": variant.sku,
                "description": quotes.line_description(variant=variant),
                "currency": currency,
                "unit_price": f"{price:.2f}" if price is not None else None,
            }
        )
