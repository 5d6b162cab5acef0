"""The API's JSON renderer: DRF's ``JSONRenderer`` output, encoded by orjson.

Encoding took a tenth of a staff list page with DRF's ``json.dumps`` and a custom encoder
class. orjson writes the same compact UTF-8 JSON for what serializers produce (dicts, lists,
strings, numbers, booleans, None, UUIDs); every other type (datetimes, Decimals, lazy strings,
iterables...) goes through DRF's own encoder, so it comes out exactly as before. One spelling
differs: a float in exponent form (-3.5e-7 where Python writes -3.5e-07). Pretty-printed
output (``Accept: application/json; indent=4``) is left to DRF. ``tests/core/test_renderer.py``
compares both on awkward payloads."""

from __future__ import annotations

import orjson
from django.utils import timezone
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer


def iso_datetime(value, tz=None) -> str | None:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone (or
    ``tz``, that zone looked up once for several values), UTC as ``Z``. For output built by
    hand (fast list rows, event streams)."""
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_LINE_SEPARATORS = ("\u2028".encode(), "\u2029".encode())


class JSONRenderer(DRFJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        encoder = self.encoder_class()
        try:
            ret = orjson.dumps(data, default=encoder.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # Something orjson refuses where json.dumps copes (an integer beyond 64 bits, a key
            # of an odd type): DRF's own path, whatever it decides.
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATORS[0] in ret or _LINE_SEPARATORS[1] in ret:  # as DRF: a strict JS subset
            ret = ret.replace(_LINE_SEPARATORS[0], b"\\u2028").replace(_LINE_SEPARATORS[1], b"\\u2029")
        return ret
