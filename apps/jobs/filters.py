import django_filters

from apps.core.filters import IsoDateTimeFilter, StrictBooleanFilter

from .models import Job


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Job.Status.choices)
    service_type = django_filters.CharFilter(field_name="service_type__code")
    preferred_after = django_filters.DateFilter(field_name="preferred_date", lookup_expr="gte")
    preferred_before = django_filters.DateFilter(field_name="preferred_date", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    needs_attention = StrictBooleanFilter()

    class Meta:
        model = Job
        fields = [
            "status",
            "service_type",
            "preferred_after",
            "preferred_before",
            "created_after",
            "needs_attention",
        ]
