"""Throttles for the public auth endpoints: per client IP and per target email, so neither
one address nor a botnet aimed at one account gets unlimited guesses. Rates are settings
(THROTTLE_* environment variables); a throttled call answers 429 with Retry-After."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle

from .models import normalize_email


class _IPThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _EmailThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        email = normalize_email(str(data.get("email") or ""))
        if not email:
            return None
        ident = hashlib.sha256(email.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginIPThrottle(_IPThrottle):
    scope = "login_ip"


class LoginEmailThrottle(_EmailThrottle):
    scope = "login_email"


class PasswordResetIPThrottle(_IPThrottle):
    scope = "password_reset_ip"


class PasswordResetEmailThrottle(_EmailThrottle):
    scope = "password_reset_email"


class RegisterIPThrottle(_IPThrottle):
    scope = "register_ip"
