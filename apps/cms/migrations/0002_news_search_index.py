from django.db import migrations

from apps.core.search import gin_index_operation

NEWS_VECTOR = [("title", "A"), ("summary", "B"), ("content", "C")]


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial")]

    operations = [
        gin_index_operation(
            table="cms_newsarticle", name="cms_newsarticle_search_gin", weighted_columns=NEWS_VECTOR
        ),
    ]
