import django_filters

from apps.core.filters import StrictBooleanFilter

from .models import MediaFile, NewsArticle
from .selectors import with_tag


class NewsFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=NewsArticle.Category.choices)
    tag = django_filters.CharFilter(
        method="filter_tag", max_length=50, help_text="Articles carrying exactly this tag."
    )
    status = django_filters.ChoiceFilter(
        choices=NewsArticle.Status.choices,
        help_text="Content staff only; the public sees published articles.",
    )

    class Meta:
        model = NewsArticle
        fields = ["category", "tag", "status"]

    def filter_tag(self, queryset, name, value):
        return with_tag(queryset=queryset, tag=value) if value.strip() else queryset


class MediaFilter(django_filters.FilterSet):
    file_type = django_filters.ChoiceFilter(choices=MediaFile.FileType.choices)
    status = django_filters.ChoiceFilter(choices=MediaFile.Status.choices)
    is_public = StrictBooleanFilter()
    tag = django_filters.CharFilter(method="filter_tag", max_length=50)

    class Meta:
        model = MediaFile
        fields = ["file_type", "status", "is_public", "tag"]

    def filter_tag(self, queryset, name, value):
        return with_tag(queryset=queryset, tag=value) if value.strip() else queryset
