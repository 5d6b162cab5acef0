"""Throttles of the public inquiry form: per client IP, a per-minute and a per-day rate
(settings LEADS_INQUIRY_THROTTLE_MINUTE / _DAY, read at request time; empty turns one off).
Staff are not throttled. A throttled call answers 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apps.core.roles import is_staff_member


class _InquiryIPThrottle(SimpleRateThrottle):
    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting) or None

    def get_cache_key(self, request, view):
        if is_staff_member(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class InquiryMinuteThrottle(_InquiryIPThrottle):
    scope = "inquiry_ip_minute"
    setting = "LEADS_INQUIRY_THROTTLE_MINUTE"


class InquiryDayThrottle(_InquiryIPThrottle):
    scope = "inquiry_ip_day"
    setting = "LEADS_INQUIRY_THROTTLE_DAY"
