"""Catalog factories. ``product_with_variants`` builds a product with priced variants in one call."""

from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils.text import slugify

from apps.catalog.models import Category, Document, Price, Product, ProductImage, Variant
from apps.cms.models import MediaFile

# A 1x1 transparent PNG.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class MediaFileFactory(factory.django.DjangoModelFactory):
    """A minimal media-library row whose small file is saved to the default storage."""

    class Meta:
        model = MediaFile

    file_name = factory.Sequence(lambda n: f"datasheet-{n}.pdf")
    file = factory.LazyAttribute(lambda o: ContentFile(PDF_BYTES, name=o.file_name))
    file_type = MediaFile.FileType.DOCUMENT
    mime_type = "application/pdf"
    size = len(PDF_BYTES)
    status = MediaFile.Status.READY
    is_public = True

    class Params:
        image = factory.Trait(
            file_name=factory.Sequence(lambda n: f"photo-{n}.png"),
            file=factory.LazyAttribute(lambda o: ContentFile(PNG_BYTES, name=o.file_name)),
            file_type=MediaFile.FileType.IMAGE,
            mime_type="image/png",
            size=len(PNG_BYTES),
            width=1,
            height=1,
        )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    parent = None
    position = 0


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A sturdy machine."
    status = Product.Status.ACTIVE
    category = None
    specifications = factory.LazyFunction(lambda: {"power_kw": 55, "fuel": "diesel"})
    features = factory.LazyFunction(lambda: ["Rugged"])
    applications = factory.LazyFunction(lambda: ["Farming"])


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Variant {o.sku}")
    attributes = factory.LazyFunction(lambda: {"size": "M"})
    is_active = True


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    variant = factory.SubFactory(VariantFactory)
    currency = "USD"
    amount = Decimal("100.00")


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    media = factory.SubFactory(MediaFileFactory, image=True)
    alt_text = "Front view"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document {n}")
    file = factory.SubFactory(MediaFileFactory)
    access_level = Document.AccessLevel.PUBLIC
    kind = Document.Kind.DATASHEET


def product_with_variants(*prices_per_variant, **product_fields) -> Product:
    """``product_with_variants({"USD": "10", "NGN": "15000"}, {"USD": "12"}, name="Drill")``: a
    product with one active variant per dict, priced in those currencies."""
    product = ProductFactory(**product_fields)
    if not prices_per_variant:
        prices_per_variant = ({"USD": "100.00"},)
    for position, prices in enumerate(prices_per_variant):
        variant = VariantFactory(product=product, position=position)
        for currency, amount in prices.items():
            PriceFactory(variant=variant, currency=currency, amount=Decimal(amount))
    return product
