import django_filters

from apps.core.filters import StrictBooleanFilter

from .models import Carrier


class CarrierFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Carrier
        fields = ["is_active"]
