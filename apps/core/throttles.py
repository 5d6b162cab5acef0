"""The platform's per-IP throttle for public forms and lookups: the rate is read from a setting
at request time (empty turns it off), and staff are not throttled unless a subclass says so.
A throttled call answers 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .roles import is_staff_member


class SettingIPThrottle(SimpleRateThrottle):
    setting = ""  # the name of the setting that holds the rate, e.g. "5/min"
    staff_exempt = True

    def get_rate(self):
        return getattr(settings, self.setting) or None

    def get_cache_key(self, request, view):
        if self.staff_exempt and is_staff_member(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
