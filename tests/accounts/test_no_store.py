"""Every auth response and every CSV export says ``Cache-Control: no-store``, whatever its
outcome (tokens, profiles, personal data and their errors must not be kept by a browser or a
proxy); every route under auth/ and export/ is checked, so a new one (MFA, OTP) cannot miss it."""

import re

import pytest
from django.core import mail

from config.urls import api_v1
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.test_api_auth import (
    EXPORT,
    LOGIN,
    LOGOUT,
    ME,
    NEW_PASSWORD,
    REFRESH,
    REGISTER,
    RESET,
    RESET_CONFIRM,
    bearer,
    reset_link_from,
    tokens_for,
)

pytestmark = pytest.mark.django_db


def assert_no_store(response):
    assert "no-store" in response.get("Cache-Control", ""), (response.status_code, dict(response.items()))


def test_login_refresh_logout(api_client, make_user):
    user = make_user()
    ok = api_client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert ok.status_code == 200
    assert_no_store(ok)
    wrong = api_client.post(LOGIN, {"email": user.email, "password": "Wrong-pass-1"}, format="json")
    assert wrong.status_code == 401
    assert_no_store(wrong)
    assert_no_store(api_client.post(LOGIN, {}, format="json"))  # 400

    pair = ok.json()
    refreshed = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert_no_store(refreshed)
    reused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert reused.status_code == 401
    assert_no_store(reused)

    pair = refreshed.json()
    out = bearer(pair["access"]).post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    assert out.status_code == 204
    assert_no_store(out)
    assert_no_store(api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json"))  # 401


def test_register(api_client):
    created = api_client.post(REGISTER, {"email": "new@example.com", "password": NEW_PASSWORD}, format="json")
    assert created.status_code == 201
    assert_no_store(created)
    assert_no_store(api_client.post(REGISTER, {"email": "nope"}, format="json"))  # 400


def test_password_reset_and_confirm(api_client, make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        requested = api_client.post(RESET, {"email": user.email}, format="json")
    assert requested.status_code == 202
    assert_no_store(requested)
    uid, token = reset_link_from(mail.outbox[0])
    bad = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": "x", "new_password": NEW_PASSWORD}, format="json"
    )
    assert bad.status_code == 400
    assert_no_store(bad)
    done = api_client.post(
        RESET_CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert done.status_code == 204
    assert_no_store(done)


def test_me_and_the_personal_data_export(api_client, make_user):
    client = bearer(tokens_for(api_client, make_user())["access"])
    for response in (
        client.get(ME),
        client.patch(ME, {"full_name": "Cached Never"}, format="json"),
        client.get(EXPORT),
        api_client.get(ME),  # 401
        api_client.get(EXPORT),  # 401
    ):
        assert_no_store(response)
    assert_no_store(client.delete(ME))


def test_staff_user_management(auth_client):
    assert_no_store(auth_client("admin").get("/api/v1/users"))


@pytest.mark.parametrize(
    "dataset", ["orders", "payments", "refunds", "inventory-movements", "inquiries", "rfqs"]
)
def test_csv_exports(auth_client, dataset):
    finance = auth_client("finance", "sales", "logistics")
    response = finance.get(f"/api/v1/export/{dataset}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert_no_store(response)
    b"".join(response.streaming_content)


def test_csv_export_errors(auth_client, api_client):
    assert_no_store(auth_client("finance").get("/api/v1/export/orders?created_after=not-a-date"))  # 400
    assert_no_store(auth_client("customer").get("/api/v1/export/orders"))  # 403
    assert_no_store(api_client.get("/api/v1/export/orders"))  # 401
    assert_no_store(auth_client("finance").get("/api/v1/export/nothing-like-it"))  # 404


def test_analytics_csv_export(auth_client):
    response = auth_client("finance").get("/api/v1/analytics/export")
    assert response.status_code == 200
    assert_no_store(response)


def _routes(prefixes):
    for pattern in api_v1:
        route = str(pattern.pattern)
        if route.startswith(prefixes):
            yield "/api/v1/" + re.sub(r"<[^>]+>", "orders", route)


@pytest.mark.parametrize("path", sorted(set(_routes(("auth/", "export/")))))
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_auth_and_export_route_answers_no_store_whatever_the_outcome(api_client, path, method):
    response = api_client.post(path, {}, format="json") if method == "post" else api_client.get(path)
    assert response.status_code < 500
    assert_no_store(response)
