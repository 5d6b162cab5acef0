"""Throttles of the public inquiry form: per client IP, a per-minute and a per-day rate
(settings LEADS_INQUIRY_THROTTLE_MINUTE / _DAY, read at request time; empty turns one off).
Staff are not throttled. A throttled call answers 429 with Retry-After."""

from apps.core.throttles import SettingIPThrottle


class InquiryMinuteThrottle(SettingIPThrottle):
    scope = "inquiry_ip_minute"
    setting = "LEADS_INQUIRY_THROTTLE_MINUTE"


class InquiryDayThrottle(SettingIPThrottle):
    scope = "inquiry_ip_day"
    setting = "LEADS_INQUIRY_THROTTLE_DAY"
