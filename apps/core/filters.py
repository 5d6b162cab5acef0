import django_filters

from .models import ActivityLog

TRUE_VALUES = ("true", "1")
FALSE_VALUES = ("false", "0")


class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """``?flag=true|false|1|0``; anything else is a 400 (django-filter's BooleanFilter would
    silently ignore it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(v, v) for v in (*TRUE_VALUES, *FALSE_VALUES)])
        kwargs.setdefault("coerce", lambda value: value in TRUE_VALUES)
        super().__init__(*args, **kwargs)


class ActivityLogFilter(django_filters.FilterSet):
    user = django_filters.UUIDFilter(field_name="actor_id", label="Actor (user id)")
    action = django_filters.CharFilter()
    entity_type = django_filters.CharFilter()
    entity_id = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ActivityLog
        fields = ["user", "action", "entity_type", "entity_id", "created_after", "created_before"]
