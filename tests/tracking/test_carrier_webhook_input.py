"""A carrier's signed but malformed event is a 400 naming the field, and changes nothing (issue
16, item 11): NUL characters (a 500 on PostgreSQL), wrong types, missing fields, overlong
values, impossible or out-of-range date-times (a 500: ValueError, or PostgreSQL's refusal of
an offset past ±15:59) and bodies nested too deep (RecursionError). Carrier events are stored
only as shipment events, so a refused one leaves no row at all."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.tracking import services
from apps.tracking.models import Shipment, ShipmentEvent
from tests.helpers import assert_error

from .factories import carrier, carrier_post, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment():
    return services.shipment_create(order=paid_order(), carrier=carrier(), tracking_number="T1", actor=None)


def event(**fields):
    body = {
        "event_id": "evt-1",
        "tracking_number": "T1",
        "status": "TRANSIT",
        "occurred_at": timezone.now().isoformat(),
        "location": "Memphis, TN",
        "note": "Arrived at the hub.",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}  # ``...``: leave the field out


def assert_refused(response, shipment, *, attr=None, code=None, kind="client_error"):
    body = assert_error(response, 400, kind=kind, attr=attr, code=code)
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 1  # "Shipment created." only
    assert Shipment.objects.get(pk=shipment.pk).status == "label_created"
    return body


WRONG_TYPES = [
    ("status", 5),
    ("event_id", {"id": 1}),
    ("tracking_number", None),
    ("occurred_at", 1767225600),
    ("location", ["Memphis"]),
    ("note", 42),
    ("note", True),
]


@pytest.mark.parametrize("field, value", WRONG_TYPES)
def test_a_field_of_the_wrong_type_is_refused_on_it(api_client, shipment, field, value):
    assert_refused(carrier_post(api_client, "dhl", event(**{field: value})), shipment, attr=field)


@pytest.mark.parametrize("field", ["event_id", "tracking_number", "status", "occurred_at"])
def test_a_missing_or_blank_required_field_is_refused_on_it(api_client, shipment, field):
    assert_refused(carrier_post(api_client, "dhl", event(**{field: ...})), shipment, attr=field)
    assert_refused(carrier_post(api_client, "dhl", event(**{field: "  "})), shipment, attr=field)


@pytest.mark.parametrize(
    "field, longest",
    [("event_id", 128), ("tracking_number", 64), ("status", 64), ("location", 200), ("note", 2000)],
)
def test_an_overlong_value_is_refused_not_cut(api_client, shipment, field, longest):
    body = assert_refused(
        carrier_post(api_client, "dhl", event(**{field: "x" * (longest + 1)})), shipment, attr=field
    )
    assert f"longer than {longest}" in body["errors"][0]["detail"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T10:00:00Z",  # well formed, no such day: parse_datetime raised ValueError (a 500)
        "2000-01-01T17:00:16-23:11",  # PostgreSQL refuses offsets past 15:59 (a 500)
        "2000-01-01T17:00:16+14:30",
        "0001-01-01T00:00:00+01:00",  # no UTC counterpart (OverflowError on SQLite)
        "yesterday",
        "2026-01-01T10:00:00",  # no time zone
    ],
)
def test_an_impossible_or_out_of_range_occurred_at_is_refused(api_client, shipment, value):
    assert_refused(carrier_post(api_client, "dhl", event(occurred_at=value)), shipment, attr="occurred_at")


def test_bodies_that_are_not_one_json_object_are_parse_errors(api_client, shipment):
    for raw in (b"[" * 1000 + b"]" * 1000, b"[1]", b'"event"', b'{"a": NaN}', b"\xff\xfe"):
        assert_refused(carrier_post(api_client, "dhl", {}, body=raw), shipment, code="parse_error")


def test_a_lone_surrogate_is_refused_on_its_field(api_client, shipment):
    raw = json.dumps(event())[:-1].encode() + b', "location": "Hub \\udc00"}'
    response = carrier_post(api_client, "dhl", {}, body=raw)
    assert_refused(
        response, shipment, attr="location", kind="validation_error", code="surrogate_characters_not_allowed"
    )


def test_optional_fields_may_be_null_or_absent(api_client, shipment):
    response = carrier_post(api_client, "dhl", event(location=None, note=...))
    assert response.status_code == 200, response.content
    stored = ShipmentEvent.objects.get(external_id="evt-1")
    assert (stored.location, stored.note, stored.to_status) == ("", "", "in_transit")
    # A carrier's offset is kept as the same instant in UTC.
    carrier_post(api_client, "dhl", event(event_id="evt-2", status="OFD", occurred_at=_in_kiribati()))
    assert ShipmentEvent.objects.get(external_id="evt-2").occurred_at.utcoffset().total_seconds() == 0


def _in_kiribati() -> str:
    return (
        (timezone.now() - timedelta(minutes=1)).astimezone(timezone.get_fixed_timezone(14 * 60)).isoformat()
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "raw, attr",
    [
        ('"note": "Left at the door\\u0000"', "note"),
        ('"location": "\\u0000Memphis"', "location"),
        ('"event_id": "evt\\u0000"', "event_id"),
        ('"status": "TRANSIT\\u0000"', "status"),
        ('"tracking_number": "T1\\u0000"', "tracking_number"),
        ('"extra": {"k\\u0000": 1}', "extra"),
    ],
)
def test_a_nul_character_is_refused_on_its_field_on_postgresql(api_client, shipment, raw, attr):
    """PostgreSQL cannot store or compare text with a NUL: each was a 500."""
    body = event()
    field = raw.split('"')[1]
    body.pop(field, None)
    signed = json.dumps(body)[:-1].encode() + b", " + raw.encode() + b"}"
    response = carrier_post(api_client, "dhl", {}, body=signed)
    assert_refused(response, shipment, attr=attr, kind="validation_error", code="null_characters_not_allowed")
