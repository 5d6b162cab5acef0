from django.db import migrations, models

from apps.core.search import gin_index_operation

PRODUCT_VECTOR = [("name", "A"), ("search_text", "B")]


def fill_search_text(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    for product in Product.objects.prefetch_related("variants"):
        parts = [product.description]
        for variant in product.variants.all():
            parts += [variant.sku, variant.name]
        for value in (product.specifications or {}).values():
            parts += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        product.search_text = "\n".join(p for p in parts if p)
        product.save(update_fields=["search_text"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False,
                help_text="Description, SKUs, variant names and specification values, for full-text "
                "search (kept by the catalog services; indexed with GIN on PostgreSQL).",
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        gin_index_operation(table="catalog_product", name="catalog_product_search_gin",
                            weighted_columns=PRODUCT_VECTOR),
    ]
