import pytest

from apps.accounts.rest_api.v1.serializers import UserSerializer

pytestmark = pytest.mark.django_db


def test_profile_output_matches_its_declared_fields(make_user):
    user = make_user("sales")
    data = UserSerializer(user).data
    assert set(data) == set(UserSerializer().fields)
    assert data["roles"] == ["sales"]
    assert data["id"] == str(user.id)
    assert data["last_login"] is None
    assert data["date_joined"].endswith("Z")
