"""An unknown path under /api/ answers the contract's JSON 404, whatever the verb and whether
or not the caller is signed in (with a Bearer token, or a session without a CSRF token): it was
a 403 ``csrf_failed`` for writes, as the catch-all is a plain Django view the CSRF middleware
guarded."""

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

VERBS = ["get", "post", "put", "patch", "delete", "options"]
PATHS = ["/api/v1/nothing-here", "/api/v2/anything", "/api/v1/orders/FD-1/no-such-action", "/api/"]


def _clients(make_user):
    admin = make_user("admin")
    bearer = Client(
        enforce_csrf_checks=True,
        headers={"Authorization": f"Bearer {RefreshToken.for_user(admin).access_token}"},
    )
    session = Client(enforce_csrf_checks=True)
    session.force_login(make_user("admin"))
    return {"anonymous": Client(enforce_csrf_checks=True), "bearer": bearer, "session": session}


def test_every_verb_on_an_unknown_api_path_is_the_json_404(make_user):
    for who, client in _clients(make_user).items():
        for path in PATHS:
            for verb in VERBS:
                response = client.generic(verb.upper(), path, '{"a": 1}', content_type="application/json")
                assert response.status_code == 404, (who, verb, path, response.content)
                body = assert_error(response, 404, code="not_found")
                assert path in body["errors"][0]["detail"], body
            head = client.head(path)
            assert head.status_code == 404 and head["Content-Type"] == "application/json", (who, path)


def test_a_form_post_to_an_unknown_api_path_is_the_json_404_too(make_user):
    response = _clients(make_user)["session"].post("/api/v1/nothing-here", {"a": "1"})
    assert_error(response, 404, code="not_found")
