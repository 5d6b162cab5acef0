"""Shared fixtures.

The suite runs embedded by default (SQLite, local-memory cache, eager Celery). With
FOUNDRY_REQUIRE_SERVICES=1 (CI's second run) it insists on the real parts: PostgreSQL,
Redis as cache and broker, and a live Celery worker; if any is missing the run fails at
once instead of quietly skipping. Tests marked ``postgres`` are collected only on PostgreSQL.
"""

import os
import socket

import boto3
import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.core.roles import ALL_ROLES

REQUIRE_SERVICES = os.environ.get("FOUNDRY_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    if settings.IS_POSTGRES:
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _check_services() -> list[str]:
    problems = []
    if not settings.IS_POSTGRES:
        problems.append("DATABASE_URL is not PostgreSQL")
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        problems.append("the cache is not Redis (set REDIS_URL)")
    else:
        try:
            cache.set("foundry:ci:probe", "1", 5)
            assert cache.get("foundry:ci:probe") == "1"
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Redis cache unreachable: {exc}")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("Celery is eager (set REDIS_URL / CELERY_BROKER_URL)")
    else:
        from config.celery import app

        try:
            replies = app.control.ping(timeout=5.0)
        except Exception as exc:  # noqa: BLE001
            replies = []
            problems.append(f"broker unreachable: {exc}")
        if not replies:
            problems.append("no Celery worker answered a ping")
    return problems


def pytest_sessionstart(session):
    if REQUIRE_SERVICES:
        problems = _check_services()
        if problems:
            pytest.exit("FOUNDRY_REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _isolated(settings):
    cache.clear()
    # Fast hashing in tests; the benchmark reports the production hasher's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tests marked ``worker`` send their tasks to the configured broker (a real worker in
    CI's PostgreSQL run); every other test runs tasks in-process, to inspect their effects."""
    from config.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db):
    from tests.accounts.factories import UserFactory

    def _make(*roles, **kwargs):
        return UserFactory(roles=list(roles) or ["customer"], **kwargs)

    return _make


@pytest.fixture
def auth_client(make_user):
    """``auth_client("sales")`` → an APIClient holding a valid access token for a new user."""
    from rest_framework_simplejwt.tokens import RefreshToken

    def _client(*roles, user=None, **kwargs):
        user = user or make_user(*roles, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        client.user = user
        return client

    return _client


@pytest.fixture
def admin_client_api(auth_client):
    return auth_client("admin")


ROLES = ALL_ROLES

# --- S3 for real: moto's server on loopback (no internet) -------------------------------------
S3_TEST_BUCKET = "foundry-media-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_url():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(moto_url, settings, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=S3_TEST_BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_TEST_BUCKET,
                "endpoint_url": moto_url,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "querystring_auth": True,
                "querystring_expire": 300,
                "default_acl": None,
                "file_overwrite": False,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=S3_TEST_BUCKET).get("Contents", []):
        client.delete_object(Bucket=S3_TEST_BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=S3_TEST_BUCKET)
