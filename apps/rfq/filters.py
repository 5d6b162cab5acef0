import django_filters
from django import forms
from django.db.models import Q

from apps.catalog.api import Category
from apps.core.filters import IsoDateTimeFilter

from .models import RFQ


class RFQFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RFQ.Status.choices)
    product_category = django_filters.CharFilter(
        method="filter_product_category",
        label="Category slug (its subcategories included); an unknown slug is a 400",
    )
    assigned_to = django_filters.UUIDFilter(field_name="assigned_to_id", label="Assigned sales user (id)")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = RFQ
        fields = ["status", "product_category", "assigned_to", "created_after", "created_before"]

    def filter_product_category(self, queryset, name, value):
        slug = value.strip()
        categories = Category.objects.filter(
            Q(slug=slug) | Q(parent__slug=slug) | Q(parent__parent__slug=slug)
        ).values_list("pk", flat=True)
        return queryset.filter(product_category_id__in=categories)

    def is_valid(self):
        valid = super().is_valid()
        slug = (self.form.cleaned_data.get("product_category") or "").strip() if valid else ""
        if slug and not Category.objects.filter(slug=slug).exists():
            # django-filter renders errors as ``message % params``: the slug goes in as a param,
            # never into the message, or a '%' in it breaks the formatting (a 500).
            error = forms.ValidationError("No category %(slug)s.", params={"slug": repr(slug)})
            self.form.add_error("product_category", error)
            return False
        return valid
