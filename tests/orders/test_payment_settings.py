"""The offline payment provider is for development only: without DEBUG the settings refuse
to load unless a real provider is configured."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from apps.core.errors import ServiceUnavailable
from apps.orders.payments import provider_for


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


def test_without_debug_and_without_keys_the_platform_refuses_to_start():
    out = load_settings(DJANGO_DEBUG="false")
    assert out.returncode != 0
    assert "offline payment provider is for development" in out.stderr


def test_without_debug_a_real_provider_key_is_enough():
    out = load_settings(DJANGO_DEBUG="false", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_with_debug_and_no_keys_it_is_offline():
    out = load_settings(DJANGO_DEBUG="true")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_providers_are_chosen_by_currency(settings):
    settings.PAYMENTS_OFFLINE = False
    settings.PAYMENT_PROVIDERS = {"NGN": "paystack", "*": "stripe"}
    settings.STRIPE_SECRET_KEY, settings.PAYSTACK_SECRET_KEY = "sk_test_x", "sk_test_p"
    assert provider_for("NGN").name == "paystack"
    assert provider_for("usd").name == "stripe"
    assert provider_for("EUR").name == "stripe"
    settings.PAYSTACK_SECRET_KEY = ""
    with pytest.raises(ServiceUnavailable, match="NGN"):
        provider_for("NGN")
