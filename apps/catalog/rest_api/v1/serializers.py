from decimal import Decimal

from rest_framework import serializers

from apps.catalog.models import Category, Document, Product, Variant
from apps.cms.api import MediaFile
from apps.core.models import currency_code_validator

SCALARS = (str, int, float, bool, type(None))


def validate_specifications(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("Specifications must be an object of name → value.")
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise serializers.ValidationError("Specification names must be non-empty strings.")
        if isinstance(item, list):
            if not all(isinstance(x, SCALARS) for x in item):
                raise serializers.ValidationError(
                    f"Specification '{key}': a list may hold only strings, numbers or booleans."
                )
        elif not isinstance(item, SCALARS):
            raise serializers.ValidationError(
                f"Specification '{key}': values are strings, numbers, booleans or lists of those."
            )
    return value


def validate_attributes(value):
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, SCALARS) for k, v in value.items()
    ):
        raise serializers.ValidationError("Attributes must be an object of name → string/number.")
    return value


# --- Output --------------------------------------------------------------------------------


class PriceOutSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    compare_at_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class VariantOutSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    attributes = serializers.DictField()
    weight = serializers.DecimalField(max_digits=10, decimal_places=3, allow_null=True)
    price = PriceOutSerializer(allow_null=True, help_text="null: no price in this currency")
    available = serializers.BooleanField(help_text="Sold in the requested currency.")


class ImageOutSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The media file.")
    url = serializers.URLField()
    alt_text = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()


class ProductListSerializer(serializers.Serializer):
    """The schema only: the output is built by the catalog selectors (product_page,
    product_detail) from rows, with no model instances and no per-field serializer work."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.CharField()
    category = CategoryRefSerializer(allow_null=True)
    price_from = PriceOutSerializer(allow_null=True)
    currency = serializers.CharField()
    variants = VariantOutSerializer(many=True)
    image = ImageOutSerializer(allow_null=True)
    position = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, card: dict):
        return card


class DocumentSerializer(serializers.ModelSerializer):
    file = serializers.PrimaryKeyRelatedField(queryset=MediaFile.objects.filter(status="ready"))
    file_name = serializers.CharField(source="file.file_name", read_only=True)
    size = serializers.IntegerField(source="file.size", read_only=True)
    mime_type = serializers.CharField(source="file.mime_type", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "file",
            "file_name",
            "size",
            "mime_type",
            "category",
            "product",
            "access_level",
            "download_count",
            "download_url",
            "created_at",
        ]
        read_only_fields = ["id", "download_count", "created_at"]

    def get_download_url(self, obj) -> str:
        return f"/api/v1/documents/{obj.pk}/download"


class SeoSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    og_image = serializers.URLField(allow_null=True)


class ProductDetailSerializer(ProductListSerializer):
    description = serializers.CharField()
    specifications = serializers.DictField()
    features = serializers.ListField(child=serializers.CharField())
    applications = serializers.ListField(child=serializers.CharField())
    images = ImageOutSerializer(many=True)
    documents = DocumentSerializer(many=True)
    seo = SeoSerializer()


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()
    children = serializers.ListField(
        child=serializers.DictField(), help_text="Nested categories, same shape."
    )


# --- Input ---------------------------------------------------------------------------------


class PriceInputSerializer(serializers.Serializer):
    currency = serializers.CharField(min_length=3, max_length=3, validators=[currency_code_validator])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    compare_at_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )


class VariantInputSerializer(serializers.Serializer):
    sku = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$",
        max_length=64,
        error_messages={"invalid": "SKUs use letters, digits, '.', '_' and '-'."},
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attributes = serializers.JSONField(required=False, validators=[validate_attributes])
    weight = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0"), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False, default=True)
    prices = PriceInputSerializer(many=True, required=False)

    def validate_prices(self, prices):
        currencies = [p["currency"] for p in prices]
        if len(currencies) != len(set(currencies)):
            raise serializers.ValidationError("One price per currency.")
        return prices


class ImageInputSerializer(serializers.Serializer):
    media = serializers.PrimaryKeyRelatedField(queryset=MediaFile.objects.filter(status="ready"))
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(min_value=0, required=False)


class ProductWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=220, required=False, help_text="Generated from the name when omitted."
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    description = serializers.CharField(required=False, allow_blank=True)
    specifications = serializers.JSONField(required=False, validators=[validate_specifications])
    features = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    applications = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    seo_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    seo_description = serializers.CharField(max_length=320, required=False, allow_blank=True)
    og_image = serializers.PrimaryKeyRelatedField(
        queryset=MediaFile.objects.filter(status="ready"), required=False, allow_null=True
    )
    variants = VariantInputSerializer(many=True)
    images = ImageInputSerializer(many=True, required=False)

    def validate_slug(self, slug):
        others = Product.objects.filter(slug=slug)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("Another product has this slug.")
        return slug

    def validate_variants(self, variants):
        return check_variants(variants, self.instance)

    def to_internal_value(self, data):
        """PATCH may leave fields out, but variants and images that are sent are validated in
        full (DRF's partial mode would also let their required fields go missing)."""
        if not (self.partial and hasattr(data, "items")):
            return super().to_internal_value(data)
        nested = {k: data[k] for k in STRICT_NESTED if k in data}
        errors, value = {}, {}
        try:
            value = super().to_internal_value({k: v for k, v in data.items() if k not in STRICT_NESTED})
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        strict = StrictNestedSerializer(instance=self.instance, data=nested, context=self.context)
        if not strict.is_valid():
            errors.update(strict.errors)
        if errors:
            raise serializers.ValidationError(errors)
        value.update(strict.validated_data)
        return value


STRICT_NESTED = ("variants", "images")


def check_variants(variants, instance):
    if not variants:
        raise serializers.ValidationError("A product needs at least one variant.", code="empty")
    errors, seen = [], set()
    skus = [v["sku"] for v in variants]
    taken = Variant.objects.filter(sku__in=skus)
    if instance is not None:
        taken = taken.exclude(product=instance)
    taken = set(taken.values_list("sku", flat=True))
    for v in variants:
        if v["sku"] in seen:
            errors.append({"sku": ["This SKU appears twice in the request."]})
        elif v["sku"] in taken:
            errors.append({"sku": ["This SKU belongs to another product."]})
        else:
            errors.append({})
        seen.add(v["sku"])
    if any(errors):
        raise serializers.ValidationError(errors)
    return variants


class StrictNestedSerializer(serializers.Serializer):
    """Variants and images of a PATCH, validated as on create (all their required fields)."""

    variants = VariantInputSerializer(many=True, required=False)
    images = ImageInputSerializer(many=True, required=False)

    def validate_variants(self, variants):
        return check_variants(variants, self.instance)
