"""The orjson-backed renderer writes exactly what DRF's JSONRenderer writes."""

import datetime
import uuid
from collections import OrderedDict
from decimal import Decimal

from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from apps.core.renderers import JSONRenderer
from apps.orders.models import Order

lazy_text = lazy(lambda: "läzy", str)


def _payload():
    tz = datetime.timezone(datetime.timedelta(hours=1))
    return {
        "text": 'naïve — 日本 \u2028 line \u2029 para "quoted" \\ </script>',
        "int": 2**53 + 1,
        "float": 0.1,
        "neg": -3.5,
        "bool": True,
        "none": None,
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "decimal": Decimal("12.30"),
        "utc": datetime.datetime(2026, 11, 29, 10, 22, 35, 37799, tzinfo=datetime.UTC),
        "offset": datetime.datetime(2026, 11, 29, 10, 22, 35, tzinfo=tz),
        "naive": datetime.datetime(2026, 1, 2, 3, 4, 5, 600000),
        "date": datetime.date(2026, 11, 29),
        "time": datetime.time(10, 22, 35, 123456),
        "timedelta": datetime.timedelta(hours=1, seconds=3),
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "return_dict": ReturnDict({"x": [1, 2]}, serializer=None),
        "return_list": ReturnList([{"y": None}], serializer=None),
        "tuple": (1, "two"),
        "generator": (n for n in range(3)),
        "lazy": lazy_text(),
        "safe": mark_safe("<b>ok</b>"),  # noqa: S308
        "choice": Order.Status.PAID,
        "nested": {"deep": [{"deeper": [Decimal("1.5"), uuid.UUID(int=1)]}]},
        "empty": {},
    }


def test_same_bytes_as_drf():
    ours, drf = JSONRenderer(), DRFJSONRenderer()
    assert ours.render(_payload()) == drf.render(_payload())
    for value in ([], {}, "", 0, [None], {"k": "v"}):
        assert ours.render(value) == drf.render(value)
    assert ours.render(None) == drf.render(None) == b""


def test_floats_in_exponent_form_differ_only_in_spelling():
    # Python writes -3.5e-07, orjson -3.5e-7: the same number to every JSON parser. (The API
    # sends money as decimal strings; such floats are rare.)
    import json

    value = {"tiny": -3.5e-7, "huge": 1.5e300}
    assert json.loads(JSONRenderer().render(value)) == json.loads(DRFJSONRenderer().render(value))


def test_indent_requests_are_left_to_drf():
    ours, drf = JSONRenderer(), DRFJSONRenderer()
    media = "application/json; indent=4"
    assert ours.render({"a": [1]}, media) == drf.render({"a": [1]}, media)


def test_what_orjson_refuses_falls_back_to_drf():
    huge = {"n": 2**70}
    assert JSONRenderer().render(huge) == DRFJSONRenderer().render(huge)
