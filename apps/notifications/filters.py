import json

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.filters import IsoDateTimeFilter, StrictBooleanFilter

from .models import API_STATUSES, EmailMessage, Notification, OutboxStatus


@extend_schema_field({"type": "string", "format": "email"})
class EmailAddressFilter(django_filters.CharFilter):
    field_class = forms.EmailField


class EmailMessageFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(value, OutboxStatus(value).label) for value in API_STATUSES],
        method="filter_status",
        label="pending (includes emails being sent right now), sent or failed",
    )
    delivery_status = django_filters.ChoiceFilter(
        choices=[c for c in EmailMessage.DeliveryStatus.choices if c[0]]
    )
    template = django_filters.CharFilter()
    to = EmailAddressFilter(method="filter_to", label="A recipient's address (exact, any case)")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = EmailMessage
        fields = ["status", "delivery_status", "template", "to", "created_after", "created_before"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=API_STATUSES[value])

    def filter_to(self, queryset, name, value):
        # "to" is a JSON list: match one element, bare ("a@b.c") or with a name ("A <a@b.c>").
        address = value.strip()
        return queryset.filter(Q(to__icontains=json.dumps(address)) | Q(to__icontains=f"<{address}>"))


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanMethodFilter(StrictBooleanFilter):
    """A StrictBooleanFilter with a ``method`` (no model field to read its type from)."""


class NotificationFilter(django_filters.FilterSet):
    unread = BooleanMethodFilter(method="filter_unread", label="Only unread (true) or only read (false)")

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value)
