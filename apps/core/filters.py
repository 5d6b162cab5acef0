import django_filters

from .models import ActivityLog


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
