import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from .models import ActivityLog
from .parsers import utc_datetime

TRUE_VALUES = ("true", "1")
FALSE_VALUES = ("false", "0")


def takes_empty_text(filter_) -> bool:
    """Whether ``?name=`` (empty) is a value of this filter: only for free text. django-filter
    reads an empty date, id, number, choice or flag as "no filter", which hides a client's bug
    and contradicts the schema (an empty string is no date): such a parameter is a 400."""
    return filter_.field_class is forms.CharField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filters: building
    and validating a FilterSet (deep copies of every filter, a form) cost more than a list
    page's SQL, and with no filter parameter it returns the queryset unchanged anyway.
    Parameters are matched by prefix, for filters whose form fields add suffixes (ranges).
    An empty value for a filter that is not free text is a 400 (``takes_empty_text``)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        params = request.query_params
        if filterset_class.filter_queryset is django_filters.FilterSet.filter_queryset and not any(
            param.startswith(name) for param in params for name in filterset_class.base_filters
        ):
            return queryset
        empty = {
            name: ["This parameter may not be empty: leave it out to list everything."]
            for name, filter_ in filterset_class.base_filters.items()
            if "" in params.getlist(name) and not takes_empty_text(filter_)
        }
        if empty:
            raise ValidationError(empty, code="blank")
        return super().filter_queryset(request, queryset, view)


class _IsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time that exists in UTC too: the database compares in UTC, and
    ``0001-01-01T00:00+01:00`` (or 9999-12-31T23:59-01:00) has no UTC counterpart, which
    Python only finds out when the query is built (an OverflowError, a 500). Its UTC offset is
    at most ±14:00: Python accepts up to ±23:59, PostgreSQL refuses past ±15:59 (a 500)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None and parsed.tzinfo is not None:
            try:
                utc_datetime(parsed)
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from exc
        return parsed


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter, refusing date-times outside the UTC calendar or with an
    offset beyond ±14:00 (a 400 naming the parameter)."""

    field_class = _IsoDateTimeField


@extend_schema_field(OpenApiTypes.BOOL)
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
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ActivityLog
        fields = ["user", "action", "entity_type", "entity_id", "created_after", "created_before"]
