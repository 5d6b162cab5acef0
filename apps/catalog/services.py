"""Catalog writes: products with their variants, prices and images, as one unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from apps.cms import api as cms_api
from apps.core.activity import activity_record, snapshot
from apps.core.services import unique_slug

from .cache import catalog_changed
from .models import Document, Price, Product, ProductImage, Variant

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

PRODUCT_FIELDS = [
    "name",
    "category",
    "description",
    "specifications",
    "features",
    "applications",
    "status",
    "position",
    "seo_title",
    "seo_description",
    "og_image",
]


def product_search_text_refresh(*, product: Product) -> None:
    """Keep the full-text document in step with the product, its variants and specs."""
    parts = [product.description]
    for variant in product.variants.all():
        parts += [variant.sku, variant.name]
    for value in (product.specifications or {}).values():
        parts += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    text = "\n".join(p for p in parts if p)
    if text != product.search_text:
        product.search_text = text
        Product.objects.filter(pk=product.pk).update(search_text=text)
        catalog_changed()


def _full_state(product: Product) -> dict:
    state = snapshot(product)
    state["variants"] = [
        {
            "sku": v.sku,
            "name": v.name,
            "is_active": v.is_active,
            "prices": {p.currency: str(p.amount) for p in v.prices.all()},
        }
        for v in product.variants.prefetch_related("prices").order_by("sku")
    ]
    return state


def _set_prices(variant: Variant, prices: list[dict]) -> None:
    wanted = {p["currency"]: p for p in prices}
    variant.prices.exclude(currency__in=wanted).delete()
    existing = {p.currency: p for p in variant.prices.all()}
    for currency, item in wanted.items():
        price = existing.get(currency) or Price(variant=variant, currency=currency)
        price.amount = item["amount"]
        price.compare_at_amount = item.get("compare_at_amount")
        price.save()


def _upsert_variants(product: Product, variants: list[dict], *, deactivate_missing: bool) -> None:
    existing = {v.sku: v for v in product.variants.all()}
    for position, item in enumerate(variants):
        variant = existing.get(item["sku"]) or Variant(product=product, sku=item["sku"])
        variant.name = item.get("name") or item["sku"]
        variant.attributes = item.get("attributes") or {}
        variant.weight = item.get("weight")
        variant.is_active = item.get("is_active", True)
        variant.position = item.get("position", position)
        variant.save()
        if "prices" in item:
            _set_prices(variant, item["prices"])
    if deactivate_missing:
        sent = {item["sku"] for item in variants}
        product.variants.exclude(sku__in=sent).update(is_active=False)
        catalog_changed()


def _set_images(product: Product, images: list[dict]) -> None:
    product.images.all().delete()
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                product=product,
                media=item["media"],
                alt_text=item.get("alt_text", ""),
                position=item.get("position", i),
            )
            for i, item in enumerate(images)
        ]
    )


@transaction.atomic
def product_create(*, data: dict, actor: AnyUser | None) -> Product:
    fields = {k: data[k] for k in PRODUCT_FIELDS if k in data}
    for _ in range(3):
        fields["slug"] = data.get("slug") or unique_slug(model=Product, base=data["name"])
        try:
            with transaction.atomic():
                product = Product.objects.create(**fields)
            break
        except IntegrityError:
            if data.get("slug"):
                raise
    else:  # pragma: no cover - three concurrent collisions in a row
        raise IntegrityError("could not find a free slug")
    _upsert_variants(product, data["variants"], deactivate_missing=False)
    _set_images(product, data.get("images", []))
    product_search_text_refresh(product=product)
    activity_record(actor=actor, action="create", entity=product, after=_full_state(product))
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict, actor: AnyUser | None) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _full_state(product)
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    # A renamed product keeps its slug (published links keep working) unless one is given.
    if data.get("slug"):
        product.slug = data["slug"]
    product.save()
    if "variants" in data:
        _upsert_variants(product, data["variants"], deactivate_missing=True)
    if "images" in data:
        _set_images(product, data["images"])
    product_search_text_refresh(product=product)
    activity_record(
        actor=actor,
        action="update",
        entity=product,
        before=before,
        after=_full_state(product),
    )
    return product


@transaction.atomic
def product_archive(*, product: Product, actor: AnyUser | None) -> Product:
    if product.status != Product.Status.ARCHIVED:
        before = snapshot(product)
        product.status = Product.Status.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        activity_record(
            actor=actor,
            action="product.archive",
            entity=product,
            before=before,
            after=snapshot(product),
        )
    return product


@transaction.atomic
def product_duplicate(*, product: Product, actor: AnyUser | None) -> Product:
    """A copy as a draft-like product (status coming_soon) with new SKUs (suffix -COPY-n)."""
    source = Product.objects.prefetch_related("variants__prices", "images").get(pk=product.pk)
    copy_variants = []
    for v in source.variants.all():
        n, sku = 1, f"{v.sku}-COPY"
        while Variant.objects.filter(sku=sku).exists():
            n += 1
            sku = f"{v.sku}-COPY{n}"
        copy_variants.append(
            {
                "sku": sku,
                "name": v.name,
                "attributes": v.attributes,
                "weight": v.weight,
                "is_active": v.is_active,
                "prices": [
                    {"currency": p.currency, "amount": p.amount, "compare_at_amount": p.compare_at_amount}
                    for p in v.prices.all()
                ],
            }
        )
    data = {f: getattr(source, f) for f in PRODUCT_FIELDS}
    data.update(
        name=f"{source.name} (copy)",
        status=Product.Status.COMING_SOON,
        variants=copy_variants,
        images=[
            {"media": i.media, "alt_text": i.alt_text, "position": i.position} for i in source.images.all()
        ],
    )
    return product_create(data=data, actor=actor)


def document_file_protect(*, document: Document, actor: AnyUser | None) -> None:
    """The file of a document that is not public is private: the public media URL refuses it
    and only the download endpoint's checks (or a signed, expiring URL) hand it out."""
    if document.access_level != Document.AccessLevel.PUBLIC:
        cms_api.media_make_private(media=document.file, actor=actor)


@transaction.atomic
def document_create(*, data: dict, actor: AnyUser | None) -> Document:
    document = Document.objects.create(**data)
    document_file_protect(document=document, actor=actor)
    activity_record(actor=actor, action="create", entity=document, after=snapshot(document))
    return document


def document_count_download(*, document: Document) -> None:
    Document.objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)
