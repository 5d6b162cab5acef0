from django.db import models
from django.db.models import Q

from apps.core.models import SeoFields, TimeStampedModel, currency_code_validator


class Category(TimeStampedModel):
    """A tree of categories (adjacency list; the whole tree is small and read in one query)."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(SeoFields, TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMING_SOON = "coming_soon", "Coming soon"
        DISCONTINUED = "discontinued", "Discontinued"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(blank=True)
    specifications = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, blank=True)
    applications = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    position = models.PositiveIntegerField(default=0)
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Description, SKUs, variant names and specification values, for full-text search "
        "(kept by the catalog services; indexed with GIN on PostgreSQL).",
    )

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["status", "position", "name"])]

    def __str__(self):
        return self.name


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    media = models.ForeignKey("cms.MediaFile", on_delete=models.PROTECT, related_name="product_images")
    alt_text = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.product} image {self.position}"


class Variant(TimeStampedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    attributes = models.JSONField(default=dict, blank=True)
    weight = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True, help_text="kg")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "sku"]

    def __str__(self):
        return self.sku


class Price(models.Model):
    """A variant's price in one currency. No FX: a missing currency means unavailable."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    compare_at_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "currency"], name="price_variant_currency_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["currency", "amount"])]

    def __str__(self):
        return f"{self.amount} {self.currency}"


class Document(TimeStampedModel):
    class AccessLevel(models.TextChoices):
        PUBLIC = "public", "Public"
        AUTHENTICATED = "authenticated", "Signed-in users"
        PRIVATE = "private", "Staff only"

    class Kind(models.TextChoices):
        DATASHEET = "datasheet", "Datasheet"
        BROCHURE = "brochure", "Brochure"
        WHITEPAPER = "whitepaper", "Whitepaper"
        CASE_STUDY = "case_study", "Case study"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DATASHEET)
    file = models.ForeignKey("cms.MediaFile", on_delete=models.PROTECT, related_name="documents")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    access_level = models.CharField(
        max_length=16, choices=AccessLevel.choices, default=AccessLevel.PUBLIC, db_index=True
    )
    download_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title
