import nested_admin
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from apps.core.admin import ActivityLoggedAdminMixin

from . import services
from .models import Category, Document, Price, Product, ProductImage, Variant


@admin.register(Category)
class CategoryAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("indented_name", "slug", "position", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_products=Count("products"))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Show the tree: parents before children, indented by depth.
        rows = list(changelist.result_list)
        by_parent = {}
        for c in rows:
            by_parent.setdefault(c.parent_id, []).append(c)
        ordered, ids = [], {c.pk for c in rows}

        def walk(parent_id, depth):
            for c in sorted(by_parent.get(parent_id, []), key=lambda c: (c.position, c.name)):
                c.depth = depth
                ordered.append(c)
                walk(c.pk, depth + 1)

        walk(None, 0)
        for c in rows:  # children whose parent is filtered out of this page
            if c.parent_id is not None and c.parent_id not in ids and c not in ordered:
                c.depth = 0
                ordered.append(c)
                walk(c.pk, 1)
        changelist.result_list = ordered
        return changelist

    @admin.display(description="Name")
    def indented_name(self, obj):
        return format_html(
            "{}{}", "\u2003" * getattr(obj, "depth", 0) + ("└ " if getattr(obj, "depth", 0) else ""), obj.name
        )

    @admin.display(description="Products", ordering="n_products")
    def product_count(self, obj):
        return obj.n_products


class ProductPriceInline(nested_admin.NestedTabularInline):
    model = Price
    fields = ("currency", "amount", "compare_at_amount")
    extra = 0


class VariantInline(nested_admin.NestedStackedInline):
    """Variants with their prices, edited on the product page."""

    model = Variant
    fields = (("sku", "name", "is_active"), ("attributes", "weight", "position"))
    extra = 0
    inlines = [ProductPriceInline]


class ProductImageInline(nested_admin.NestedTabularInline):
    model = ProductImage
    fields = ("thumbnail", "media", "alt_text", "position")
    readonly_fields = ("thumbnail",)
    raw_id_fields = ("media",)
    extra = 0

    @admin.display(description="")
    def thumbnail(self, obj):
        if obj.pk and obj.media.file_type == "image":
            return format_html('<img src="{}" style="height:48px">', obj.media.file.url)
        return ""


@admin.register(Product)
class ProductAdmin(ActivityLoggedAdminMixin, nested_admin.NestedModelAdmin):
    list_display = ("name", "category", "status", "variant_count", "position", "updated_at")
    list_filter = ("status", "category")
    search_fields = ("name", "slug", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("category",)
    raw_id_fields = ("og_image",)
    inlines = [VariantInline, ProductImageInline]
    actions = ["activate", "archive", "duplicate"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "status", "position", "description")}),
        ("Details", {"fields": ("specifications", "features", "applications")}),
        ("SEO", {"fields": ("seo_title", "seo_description", "og_image"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_variants=Count("variants"))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_search_text_refresh(product=form.instance)

    def has_delete_permission(self, request, obj=None):
        # Products are archived, never deleted: orders and documents keep pointing at them.
        return False

    @admin.display(description="Variants", ordering="n_variants")
    def variant_count(self, obj):
        return obj.n_variants

    @admin.action(description="Activate selected products")
    def activate(self, request, queryset):
        for product in queryset:
            services.product_update(
                product=product, data={"status": Product.Status.ACTIVE}, actor=request.user
            )
        self.message_user(request, f"{queryset.count()} product(s) activated.", messages.SUCCESS)

    @admin.action(description="Archive selected products")
    def archive(self, request, queryset):
        for product in queryset:
            services.product_archive(product=product, actor=request.user)
        self.message_user(request, f"{queryset.count()} product(s) archived.", messages.SUCCESS)

    @admin.action(description="Duplicate selected products")
    def duplicate(self, request, queryset):
        copies = [services.product_duplicate(product=p, actor=request.user) for p in queryset]
        self.message_user(
            request,
            f"Created {len(copies)} cop{'y' if len(copies) == 1 else 'ies'} (status: coming soon).",
            messages.SUCCESS,
        )


class PriceInline(admin.TabularInline):
    model = Price
    fields = ("currency", "amount", "compare_at_amount")
    extra = 1


@admin.register(Variant)
class VariantAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("sku", "name", "product", "is_active", "prices_text")
    list_filter = ("is_active", "product__category")
    search_fields = ("sku", "name", "product__name")
    list_select_related = ("product",)
    raw_id_fields = ("product",)
    inlines = [PriceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.product_search_text_refresh(product=obj.product)

    @admin.display(description="Prices")
    def prices_text(self, obj):
        return ", ".join(f"{p.amount} {p.currency}" for p in obj.prices.all())


@admin.register(Document)
class DocumentAdmin(ActivityLoggedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "access_level", "product", "category", "download_count", "created_at")
    list_filter = ("kind", "access_level", "category")
    search_fields = ("title", "description", "product__name")
    raw_id_fields = ("file", "product")
    readonly_fields = ("download_count",)
    list_select_related = ("product", "category")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.document_file_protect(document=obj, actor=request.user)
