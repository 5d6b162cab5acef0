"""Throttles of the public RFQ form: per client IP, a burst rate and a daily rate (settings
RFQ_THROTTLE_BURST, RFQ_THROTTLE_DAILY; empty turns one off). Staff are not throttled. A
throttled call answers 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _RFQIPThrottle(SimpleRateThrottle):
    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting) or None

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RFQBurstThrottle(_RFQIPThrottle):
    scope = "rfq_create_burst"
    setting = "RFQ_THROTTLE_BURST"


class RFQDailyThrottle(_RFQIPThrottle):
    scope = "rfq_create_daily"
    setting = "RFQ_THROTTLE_DAILY"
