import uuid

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.filters import IsoDateTimeFilter, StrictBooleanFilter

from .models import Inquiry, LeadScoringRule


class AssigneeField(forms.CharField):
    """A user id, ``me`` or ``none``; anything else is a 400."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        if value in ("me", "none"):
            return value
        try:
            return uuid.UUID(value)
        except ValueError as exc:
            raise forms.ValidationError("Give a user id, 'me' or 'none'.", code="invalid") from exc


@extend_schema_field(
    {"type": "string", "pattern": "^(me|none|[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12})$"}
)
class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == "none":
            return qs.filter(assigned_to__isnull=True)
        if value == "me":
            user = getattr(self.parent.request, "user", None)
            return qs.filter(assigned_to_id=getattr(user, "pk", None))
        return qs.filter(assigned_to_id=value)


@extend_schema_field(OpenApiTypes.BOOL)
class ConvertedFilter(StrictBooleanFilter):
    """``?converted=true|false``: converted into a customer or not."""


@extend_schema_field({"type": "string", "maxLength": 2})
class CountryFilter(django_filters.CharFilter):
    """An ISO 3166-1 alpha-2 code, any case."""


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class ScoreFilter(django_filters.NumberFilter):
    """A lead score bound, a whole number from 0 to 100."""

    field_class = forms.IntegerField


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Inquiry.Status.choices)
    inquiry_type = django_filters.ChoiceFilter(choices=Inquiry.Type.choices)
    country = CountryFilter(lookup_expr="iexact", max_length=2)
    assigned_to = AssigneeFilter(help_text="A user id, 'me' or 'none' (unassigned).")
    min_score = ScoreFilter(field_name="lead_score", lookup_expr="gte", min_value=0, max_value=100)
    max_score = ScoreFilter(field_name="lead_score", lookup_expr="lte", min_value=0, max_value=100)
    source = django_filters.CharFilter(lookup_expr="iexact")
    converted = ConvertedFilter(method="filter_converted", help_text="true: converted into a customer.")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Inquiry
        fields = [
            "status", "inquiry_type", "country", "assigned_to", "min_score", "max_score", "source",
            "converted", "created_after", "created_before",
        ]  # fmt: skip

    def filter_converted(self, qs, name, value):
        return qs.filter(converted_at__isnull=not value)


class LeadScoringRuleFilter(django_filters.FilterSet):
    rule_type = django_filters.ChoiceFilter(choices=LeadScoringRule.RuleType.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = LeadScoringRule
        fields = ["rule_type", "is_active"]
