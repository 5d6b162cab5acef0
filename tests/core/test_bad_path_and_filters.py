"""Bad input is never a 500 (issue 16, item 13), outside the body: a NUL character in an API
path is a 404 (a PostgreSQL error, a 500, once a view looked it up), and a date-time filter's
UTC offset is at most ±14:00 (PostgreSQL refused ``-23:11``: a 500). Every date-time filter
gets the bad offset in tests/core/test_bad_input_matrix.py."""

import pytest

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_an_api_path_is_a_404(api_client, auth_client):
    for client in (api_client, auth_client("admin")):
        for path in ("/api/v1/track/%00", "/api/v1/track/AB%00CD", "/api/v1/orders/FD%00", "/api/v1/%00"):
            assert_error(client.get(path), 404, code="not_found")


@pytest.mark.parametrize("path", ["/api/v1/payments", "/api/v1/orders", "/api/v1/activity-logs"])
def test_a_date_time_filter_offset_beyond_14_hours_is_a_400_on_the_parameter(auth_client, path):
    client = auth_client("admin")
    for value in ("2000-01-01T17:00:16-23:11", "2000-01-01T17:00:16+14:01", "2000-01-01T00:00:00-15:00"):
        for name in ("created_after", "created_before"):
            response = client.get(path, {name: value})
            body = assert_error(response, 400, kind="validation_error", attr=name)
            assert "between -14:00 and +14:00" in body["errors"][0]["detail"]
    for value in ("2000-01-01T17:00:16+14:00", "2000-01-01T17:00:16-12:00", "2000-01-01T17:00:16Z"):
        assert client.get(path, {"created_after": value}).status_code == 200
