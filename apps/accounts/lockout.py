"""The admin's sign-in lockout (django-axes; settings AXES_* in config/settings.py, documented in
docs/security.md). Axes watches the admin login only: the API login has its own throttles
(throttles.py) and must keep answering its contract, so axes neither counts nor refuses it."""

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from .models import normalize_email


class AdminLoginLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out admin sign-in (first in AUTHENTICATION_BACKENDS). authenticate()
    without a request (a script, the test client's login()) is no web sign-in: left alone."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_not_admin_login(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: every sign-in but the admin's is outside axes (not counted)."""
    return not getattr(request, "path", "").startswith(reverse("admin:index"))


def attempted_email(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the email tried, normalized as logins compare it, so
    ``Boss@Example.com`` and ``boss@example.com`` count against one account."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return normalize_email(str(value)) if value else None


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address as the API throttles read it (NUM_PROXIES
    trusted proxies), so one setting serves both; anything that is not an address falls back
    to the connection's."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response, credentials):
    """AXES_LOCKOUT_CALLABLE: the admin's own page saying what happened and for how long."""
    cool_off = get_cool_off(request)
    response = render(
        request,
        "admin/lockout.html",
        {
            **admin.site.each_context(request),
            "title": "Sign-in locked",
            "failure_limit": get_failure_limit(request, credentials),
            "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        },
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
