"""seed_demo in a deployment (DEBUG off) and the benchmark's ceiling route (issue 16, item 8).

The demo's password and the carriers' demo webhook secrets are published in the README: with
DEBUG off seed_demo refuses unless told --allow-production, and then makes every such secret
random, printing the admin's password once. /bench/ceiling exists only for the benchmark."""

import importlib
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import clear_url_caches

from apps.accounts.models import User
from apps.tracking.models import Carrier


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_seed_demo_refuses_with_debug_off():
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists() and not Carrier.objects.exists()


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=False)
def test_seed_demo_in_production_makes_every_secret_random(api_client):
    out = io.StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)
    printed = re.findall(rf"{re.escape(settings.DEMO_ADMIN_EMAIL)} has the password (\S+)", out.getvalue())
    assert len(printed) == 1, out.getvalue()
    password = printed[0]
    assert password != settings.DEMO_PASSWORD and len(password) >= 24

    def login(email, pw):
        return api_client.post("/api/v1/auth/login", {"email": email, "password": pw}, format="json")

    assert login(settings.DEMO_ADMIN_EMAIL, password).status_code == 200
    for user in User.objects.all():
        assert login(user.email, settings.DEMO_PASSWORD).status_code == 401, user.email
    secrets_ = list(Carrier.objects.values_list("webhook_secret", flat=True))
    assert len(secrets_) == 3 and len(set(secrets_)) == 3
    assert not any(s.startswith("demo-") for s in secrets_), secrets_

    again = io.StringIO()  # idempotent, and the password is never printed again
    call_command("seed_demo", allow_production=True, stdout=again)
    assert "has the password" not in again.getvalue()


@pytest.mark.django_db
def test_seed_demo_in_development_keeps_the_documented_values(settings, api_client):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "has the password" not in out.getvalue()
    response = api_client.post(
        "/api/v1/auth/login",
        {"email": settings.DEMO_ADMIN_EMAIL, "password": settings.DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert Carrier.objects.get(code="dhl").webhook_secret == "demo-dhl-webhook-secret"


@pytest.fixture
def reload_urls():
    def _reload():
        clear_url_caches()
        importlib.reload(importlib.import_module(settings.ROOT_URLCONF))

    yield _reload
    _reload()  # back to the URL conf of the suite's settings


def test_bench_ceiling_is_routed_only_for_the_benchmark(client, settings, reload_urls):
    settings.BENCH_CEILING_ROUTE = False
    reload_urls()
    assert client.get("/bench/ceiling").status_code == 404
    settings.BENCH_CEILING_ROUTE = True
    reload_urls()
    response = client.get("/bench/ceiling")
    assert response.status_code == 200 and response.json()["status"] == "ok"
