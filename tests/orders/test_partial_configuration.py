"""The platform starts with any part of the payment configuration: no key, Stripe's only,
Paystack's only, both; in development and in production. Each configuration is started in a
subprocess, as ``make run`` or a deployment would: the system checks (``check --deploy
--fail-level WARNING`` in production, with the environment CI uses), then real requests through
the whole stack: the health answer lists which currencies can be paid, a checkout in a currency
whose provider has no key is paid offline in development and refused with 503
``payments_unavailable`` in production, with nothing made or reserved. No request reaches a
real provider: only currencies without a key are checked out."""

import json
import os
import secrets
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

CONFIGS = {
    "no keys": {},
    "Stripe only": {"STRIPE_SECRET_KEY": "sk_test_ci", "STRIPE_WEBHOOK_SECRET": "whsec_ci"},
    "Paystack only": {"PAYSTACK_SECRET_KEY": "sk_test_paystack_ci"},
    "both": {
        "STRIPE_SECRET_KEY": "sk_test_ci",
        "STRIPE_WEBHOOK_SECRET": "whsec_ci",
        "PAYSTACK_SECRET_KEY": "sk_test_paystack_ci",
    },
}
PRODUCTION = {  # what .ci/run gives `check --deploy`
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
}
DEVELOPMENT = {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
# Embedded parts (SQLite file, local cache, eager tasks): nothing of the test run's own services.
DROPPED = ("STRIPE_", "PAYSTACK_", "PAYMENTS_", "PAYMENT_", "DJANGO_", "DATABASE_", "REDIS_", "CELERY_")

SCRIPT = r"""
import json, uuid
from django.conf import settings
from django.core.management import call_command
from django.test import Client

production = not settings.DEBUG
if production:
    call_command("check", deploy=True, fail_level="WARNING")
else:
    call_command("check")
# A 503 is reported (got_request_exception, for error monitoring): answered, not raised here.
client = Client(HTTP_HOST="api.example.com" if production else "localhost", raise_request_exception=False)
get = lambda path, **kw: client.get(path, secure=production, **kw)
post = lambda path, data, **kw: client.post(
    path, data, content_type="application/json", secure=production, **kw
)
health = get("/api/v1/health")
result = {"health_code": health.status_code, "health": health.json(), "checkouts": {}}

from apps.inventory.models import Reservation
from apps.orders.models import Order
from tests.orders.factories import ADDRESS_US, sellable

sellable("CFG-1", usd="10.00", ngn="5000.00", on_hand=3)
for currency in CURRENCIES:
    cart = post("/api/v1/carts", {"currency": currency}).json()
    added = post(
        f"/api/v1/carts/{cart['id']}/items", {"sku": "CFG-1", "quantity": 1},
        HTTP_X_CART_TOKEN=cart["token"],
    )
    assert added.status_code == 201, added.content
    response = post(
        "/api/v1/checkout",
        {"cart_id": cart["id"], "email": "ada@example.com", "shipping_address": ADDRESS_US},
        HTTP_X_CART_TOKEN=cart["token"], HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    result["checkouts"][currency] = {"code": response.status_code, "body": response.json()}
result["orders"] = Order.objects.count()
result["reservations"] = Reservation.objects.count()
print("RESULT " + json.dumps(result))
"""


def environment(database, *extra: dict) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED)}
    env = {**base, "DATABASE_URL": f"sqlite:///{database}"}
    for part in extra:
        env.update(part)
    return env


def run(args, env, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One migrated SQLite database, copied for each start."""
    template = tmp_path_factory.mktemp("platform") / "template.sqlite3"
    out = run(["migrate", "--noinput"], environment(template, DEVELOPMENT))
    assert out.returncode == 0, out.stderr[-3000:]
    return template


@pytest.mark.parametrize("mode", ["development", "production"])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_the_platform_starts_with_any_part_of_the_payment_configuration(migrated, tmp_path, mode, config):
    keys = CONFIGS[config]
    needs = {"USD": "STRIPE_SECRET_KEY", "NGN": "PAYSTACK_SECRET_KEY"}
    unpaid = [currency for currency, key in needs.items() if key not in keys]
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated, database)
    env = environment(database, PRODUCTION if mode == "production" else DEVELOPMENT, keys)
    script = SCRIPT.replace("CURRENCIES", repr(unpaid))
    out = run(["shell", "-c", script], env)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.split("RESULT ", 1)[1])

    # It starts, and is healthy: a missing payment provider never makes it degraded.
    assert result["health_code"] == 200
    assert result["health"]["status"] == "ok", result["health"]
    assert set(result["health"]["checks"]) == {"database", "cache", "broker", "storage"}
    fallback = "offline" if mode == "development" else "unavailable"
    expected = {
        "USD": "stripe" if "STRIPE_SECRET_KEY" in keys else fallback,
        "NGN": "paystack" if "PAYSTACK_SECRET_KEY" in keys else fallback,
        "*": "stripe" if "STRIPE_SECRET_KEY" in keys else fallback,
    }
    assert result["health"]["payments"] == expected

    for currency in unpaid:
        checkout = result["checkouts"][currency]
        if mode == "development":  # paid with the offline provider, as the warning said
            assert checkout["code"] == 201, checkout
            assert checkout["body"]["payment"]["provider"] == "offline"
        else:
            assert checkout["code"] == 503, checkout
            [error] = checkout["body"]["errors"]
            assert error["code"] == "payments_unavailable" and currency in error["detail"]
    if mode == "development":
        assert "orders.W001" in out.stderr if unpaid else "orders.W001" not in out.stderr
        assert (result["orders"], result["reservations"]) == (len(unpaid), len(unpaid))
    else:
        assert "orders.W001" not in out.stderr
        assert (result["orders"], result["reservations"]) == (0, 0)  # nothing made or reserved
