"""Throttles of the public RFQ form: per client IP, a burst rate and a daily rate (settings
RFQ_THROTTLE_BURST, RFQ_THROTTLE_DAILY; empty turns one off). Staff are not throttled. A
throttled call answers 429 with Retry-After."""

from apps.core.throttles import SettingIPThrottle


class RFQBurstThrottle(SettingIPThrottle):
    scope = "rfq_create_burst"
    setting = "RFQ_THROTTLE_BURST"


class RFQDailyThrottle(SettingIPThrottle):
    scope = "rfq_create_daily"
    setting = "RFQ_THROTTLE_DAILY"
