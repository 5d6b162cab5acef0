"""The public tracking lookup and its stream, throttled per client IP (TRACKING_THROTTLE_RATE,
read at request time; empty turns it off). Staff are not throttled."""

from apps.core.throttles import SettingIPThrottle


class TrackingLookupThrottle(SettingIPThrottle):
    scope = "tracking_lookup"
    setting = "TRACKING_THROTTLE_RATE"
