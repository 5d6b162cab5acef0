"""The public tracking lookup, throttled per client IP (TRACKING_THROTTLE_RATE, read at request
time; empty turns it off). Staff are not throttled."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apps.core.roles import is_staff_member


class TrackingLookupThrottle(SimpleRateThrottle):
    scope = "tracking_lookup"

    def get_rate(self):
        return settings.TRACKING_THROTTLE_RATE or None

    def get_cache_key(self, request, view):
        if is_staff_member(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
