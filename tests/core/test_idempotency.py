"""Idempotency-Key, tested on POST /api/v1/users (an admin creating a user)."""

import threading
import time
import uuid

import pytest
from django.db import connection

from apps.accounts import services as account_services
from apps.accounts.models import User
from apps.core.idempotency import purge_expired_keys
from apps.core.models import IdempotencyKey


def _body(email):
    return {"email": email, "full_name": "Idem Potent", "roles": ["sales"], "password": "Sup3r-secret-pw"}


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response_and_creates_nothing(auth_client):
    client = auth_client("admin")
    key = str(uuid.uuid4())
    first = client.post("/api/v1/users", _body("idem@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post("/api/v1/users", _body("idem@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert User.objects.filter(email="idem@example.com").count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_422(auth_client):
    client = auth_client("admin")
    key = str(uuid.uuid4())
    assert (
        client.post(
            "/api/v1/users", _body("a1@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key
        ).status_code
        == 201
    )
    response = client.post("/api/v1/users", _body("a2@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert not User.objects.filter(email="a2@example.com").exists()


@pytest.mark.django_db
def test_key_is_scoped_to_the_caller(auth_client):
    key = str(uuid.uuid4())
    one, two = auth_client("admin"), auth_client("admin")
    assert (
        one.post(
            "/api/v1/users", _body("s1@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key
        ).status_code
        == 201
    )
    assert (
        two.post(
            "/api/v1/users", _body("s2@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key
        ).status_code
        == 201
    )


@pytest.mark.django_db
def test_an_error_response_is_not_remembered(auth_client):
    client = auth_client("admin")
    key = str(uuid.uuid4())
    bad = client.post(
        "/api/v1/users",
        {**_body("e@example.com"), "roles": ["nope"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.filter(key=key).exists()


@pytest.mark.django_db
def test_without_a_key_each_request_runs(auth_client):
    client = auth_client("admin")
    assert client.post("/api/v1/users", _body("nk@example.com"), format="json").status_code == 201
    again = client.post("/api/v1/users", _body("nk@example.com"), format="json")
    assert again.status_code == 400  # duplicate email: the request really ran again


@pytest.mark.django_db
def test_oversized_key_is_rejected(auth_client):
    response = auth_client("admin").post(
        "/api/v1/users", _body("k@example.com"), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_expired_keys_are_purged(auth_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    client = auth_client("admin")
    client.post("/api/v1/users", _body("p@example.com"), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired_keys() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_one_record(auth_client, monkeypatch):
    """Real concurrent transactions on PostgreSQL: both requests are in flight together."""
    client_a = auth_client("admin")
    client_b = __import__("rest_framework.test", fromlist=["APIClient"]).APIClient()
    client_b.credentials(**client_a._credentials)

    original = account_services.user_create
    entered = threading.Event()

    def slow_user_create(**kwargs):
        entered.set()
        time.sleep(0.5)  # hold the first transaction open while the second arrives
        return original(**kwargs)

    monkeypatch.setattr(account_services, "user_create", slow_user_create)
    key = str(uuid.uuid4())
    results = {}

    def call(name, client):
        try:
            results[name] = client.post(
                "/api/v1/users", _body("race@example.com"), format="json", HTTP_IDEMPOTENCY_KEY=key
            )
        finally:
            connection.close()

    first = threading.Thread(target=call, args=("a", client_a))
    first.start()
    assert entered.wait(5)
    second = threading.Thread(target=call, args=("b", client_b))
    second.start()
    first.join(10)
    second.join(10)

    assert results["a"].status_code == results["b"].status_code == 201
    assert results["a"].json() == results["b"].json()
    assert results["b"]["Idempotent-Replayed"] == "true"
    assert User.objects.filter(email="race@example.com").count() == 1
    assert IdempotencyKey.objects.filter(key=key).count() == 1
