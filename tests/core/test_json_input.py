"""Bad input is never a 500 (issue 16, item 13): the project's JSON parser (apps.core.parsers)
limits nesting and size and refuses NUL characters and lone surrogates in strings and keys, on
the request field that holds them, with the value's dotted path in the message. Each was a 500
(a RecursionError on any database; PostgreSQL's or the encoder's errors for the others). The
same inputs are sent to every write endpoint by tests/core/test_bad_input_matrix.py."""

import io
import json

import pytest

from apps.core.errors import ApplicationError, PayloadTooLarge
from apps.core.parsers import JSONParser, json_loads
from apps.leads.models import Inquiry
from apps.reports.models import AnalyticsEvent
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

INQUIRIES = "/api/v1/inquiries"
EVENTS = "/api/v1/analytics/events"
INQUIRY = {"inquiry_type": "general", "full_name": "Ada", "email": "ada@example.com", "message": "Hello"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def post(client, path, text):
    return client.post(path, data=text, content_type="application/json")


def with_field(body: dict, name: str, raw_json: str) -> str:
    """``body`` as JSON text with ``"name": <raw_json>`` added (escapes kept as written)."""
    return json.dumps(body)[:-1] + f', "{name}": {raw_json}}}'


@pytest.mark.parametrize("path", [INQUIRIES, EVENTS, "/api/v1/auth/login", "/api/v1/auth/register"])
def test_a_body_nested_1000_deep_is_a_400_parse_error_without_login(api_client, path):
    for text in (nested(1000), '{"a": ' * 1000 + "1" + "}" * 1000, nested(100_000)):
        body = assert_error(post(api_client, path, text), 400, code="parse_error")
        assert "nested deeper than 64 levels" in body["errors"][0]["detail"]
    assert not Inquiry.objects.exists() and not AnalyticsEvent.objects.exists()


def test_json_loads_allows_64_levels_and_refuses_65(settings):
    assert json_loads(nested(64)) == json.loads(nested(64))
    with pytest.raises(ApplicationError) as error:
        json_loads(nested(65))
    assert error.value.code == "parse_error"
    settings.API_JSON_MAX_DEPTH = 3
    assert json_loads('{"a": [{"b": 1}]}') == {"a": [{"b": 1}]}
    with pytest.raises(ApplicationError):
        json_loads('{"a": [{"b": [1]}]}')


@pytest.mark.parametrize(
    "raw, path",
    [
        ('{"a": "x\\u0000y"}', "metadata.a"),
        ('{"a\\u0000": "y"}', "metadata.a\\u0000"),
        ('{"tags": ["ok", {"deep": "\\u0000"}]}', "metadata.tags.1.deep"),
    ],
)
def test_a_nul_character_in_inquiry_metadata_is_refused_on_the_field(api_client, raw, path):
    response = post(api_client, INQUIRIES, with_field(INQUIRY, "metadata", raw))
    body = assert_error(
        response, 400, kind="validation_error", code="null_characters_not_allowed", attr="metadata"
    )
    assert body["errors"][0]["detail"] == f"Null characters are not allowed (at {path})."
    assert not Inquiry.objects.exists()
    response = post(api_client, INQUIRIES, json.dumps({**INQUIRY, "company": "Acme\x00"}))
    body = assert_error(response, 400, kind="validation_error", attr="company")
    assert body["errors"][0]["detail"] == "Null characters are not allowed."


def test_a_nul_character_in_analytics_event_data_is_refused_on_the_field(api_client):
    for raw, path in (('{"k": "\\u0000"}', "event_data.k"), ('{"\\u0000": 1}', "event_data.\\u0000")):
        response = post(api_client, EVENTS, with_field({"event_type": "page_view"}, "event_data", raw))
        body = assert_error(
            response, 400, kind="validation_error", code="null_characters_not_allowed", attr="event_data"
        )
        assert path in body["errors"][0]["detail"]
    assert not AnalyticsEvent.objects.exists()
    assert post(api_client, EVENTS, json.dumps({"event_type": "page_view"})).status_code == 202


def test_a_lone_surrogate_in_json_is_refused_on_its_path(api_client):
    """``"\\ud800"`` is valid JSON but no database can encode it (a 500 on SQLite too)."""
    response = post(api_client, INQUIRIES, with_field(INQUIRY, "metadata", '{"a": "x\\ud800"}'))
    body = assert_error(
        response, 400, kind="validation_error", code="surrogate_characters_not_allowed", attr="metadata"
    )
    assert body["errors"][0]["detail"] == "Surrogate characters (U+D800) are not allowed (at metadata.a)."
    assert not Inquiry.objects.exists()
    # A pair that makes a real character (an emoji) is fine.
    response = post(api_client, INQUIRIES, with_field(INQUIRY, "metadata", '{"a": "\\ud83d\\ude00"}'))
    assert response.status_code == 201, response.content
    assert Inquiry.objects.get().metadata == {"a": "\U0001f600"}


def test_not_strict_json_is_a_parse_error(api_client):
    for text in ('{"a": NaN}', '{"a": Infinity}', "{", '{"a": "\x01"}'):
        assert_error(post(api_client, INQUIRIES, text), 400, code="parse_error")
    response = api_client.post(INQUIRIES, data=b'{"a": "\xff"}', content_type="application/json")
    assert_error(response, 400, code="parse_error")


def test_the_parser_reads_no_more_than_the_body_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    parser = JSONParser()
    assert parser.parse(io.BytesIO(json.dumps({"a": "x" * 50}).encode()), None, {}) == {"a": "x" * 50}
    with pytest.raises(PayloadTooLarge):
        parser.parse(io.BytesIO(json.dumps({"a": "x" * 200}).encode()), None, {})
