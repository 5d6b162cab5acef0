import django_filters

from apps.core.filters import StrictBooleanFilter
from apps.core.roles import ALL_ROLES

from .models import User


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        field_name="groups__name", choices=[(r, r) for r in ALL_ROLES], distinct=True
    )
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields = ["role", "is_active"]
