"""Which provider takes a currency: its configured one when that has a key; otherwise the
offline provider in development, and none in production (checkout answers 503
``payments_unavailable``, the platform runs). ``PAYMENTS_OFFLINE`` is refused without DEBUG.
Starting the whole platform with each configuration: test_partial_configuration.py."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import checks

from apps.core.errors import ServiceUnavailable
from apps.orders.checks import payment_providers_check
from apps.orders.payments import payment_availability, provider_for


def load_settings(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "PAYSTACK_", "PAYMENTS_"))}
    env = {**base, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "x" * 50, **env}
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.PAYMENTS_OFFLINE)"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_and_without_keys_the_platform_starts_without_taking_payments():
    out = load_settings(DJANGO_DEBUG="false")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_without_debug_the_offline_provider_is_refused():
    out = load_settings(DJANGO_DEBUG="false", PAYMENTS_OFFLINE="true")
    assert out.returncode != 0
    assert "PAYMENTS_OFFLINE=true is for development" in out.stderr


def test_without_debug_a_real_provider_key_is_enough():
    out = load_settings(DJANGO_DEBUG="false", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_with_debug_and_no_keys_it_is_offline():
    out = load_settings(DJANGO_DEBUG="true")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_providers_are_chosen_by_currency(settings):
    settings.PAYMENTS_OFFLINE, settings.PAYMENTS_OFFLINE_FALLBACK = False, False
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "*": "stripe"}
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "sk_test_x", "sk_test_p"
    assert provider_for("NGN").name == "paystack"
    assert provider_for("usd").name == "stripe"
    assert provider_for("EUR").name == "stripe"
    settings.PAYSTACK_SECRET_KEY = ""
    with pytest.raises(ServiceUnavailable, match="NGN") as refused:
        provider_for("NGN")
    assert (refused.value.status_code, refused.value.code) == (503, "payments_unavailable")
    assert payment_availability() == {"NGN": "unavailable", "USD": "stripe", "*": "stripe"}


def test_in_development_a_currency_without_its_key_is_paid_offline(settings):
    settings.PAYMENTS_OFFLINE, settings.PAYMENTS_OFFLINE_FALLBACK = False, True
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "*": "stripe"}
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "", "sk_test_p"
    assert provider_for("USD").name == "offline"
    assert provider_for("NGN").name == "paystack"
    assert payment_availability() == {"NGN": "paystack", "USD": "offline", "*": "offline"}
    [warning] = payment_providers_check()
    assert warning.id == "orders.W001" and "USD and any other currency" in warning.msg
    assert "STRIPE_SECRET_KEY" in warning.hint


def test_in_production_a_currency_without_its_key_is_reported_not_warned(settings):
    settings.PAYMENTS_OFFLINE, settings.PAYMENTS_OFFLINE_FALLBACK = False, False
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "sk_test_x", ""
    [info] = payment_providers_check()
    assert info.level == checks.INFO and info.id == "orders.I001" and "NGN" in info.msg
