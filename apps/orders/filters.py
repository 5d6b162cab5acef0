import django_filters

from apps.core.filters import IsoDateTimeFilter, StrictBooleanFilter

from .models import Order, Payment


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    currency = django_filters.CharFilter(lookup_expr="iexact")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    needs_review = StrictBooleanFilter()

    class Meta:
        model = Order
        fields = ["status", "currency", "created_after", "created_before", "needs_review"]


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices)
    provider = django_filters.ChoiceFilter(choices=Payment.Provider.choices)
    currency = django_filters.CharFilter(lookup_expr="iexact")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Payment
        fields = ["status", "provider", "currency", "created_after", "created_before"]
