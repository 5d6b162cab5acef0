"""What the API fuzzer (``make fuzz``: schemathesis ``--checks all``) found where the API and its
schema disagreed, each fixed on the side that was wrong (issue 16, item 14):

- JSON bodies are typed as the schema says (apps.core.json_types); the API takes JSON, and only
  the upload endpoints multipart;
- ``page``/``page_size`` and typed filters refuse what is not their type, "" included;
- query serializers read ``?name=`` as "" (not as "not given");
- the schema documents every ``Idempotency-Key`` header, decimals as the text a field takes, and
  boolean filters as booleans.
"""

import re
import uuid

import pytest
import yaml
from django.core.management import call_command
from rest_framework import serializers

from apps.core.openapi import decimal_pattern
from apps.leads.models import Inquiry
from apps.notifications.models import NotificationPreference
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


# --- JSON bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("sms_opt_in", 1),  # a boolean as a number
        ("sms_opt_in", "true"),  # a boolean as a string
        ("whatsapp_opt_in", "no"),
    ],
)
def test_a_json_value_of_another_type_is_a_400_on_its_field(auth_client, field, value):
    """Was accepted: DRF reads ``1`` and ``"true"`` as True. The schema says boolean."""
    client = auth_client("customer")
    response = client.patch("/api/v1/notifications/preferences", {field: value}, format="json")
    assert_error(response, 400, kind="validation_error", code="incorrect_type", attr=field)
    assert not NotificationPreference.objects.filter(user=client.user, sms_opt_in=True).exists()


def test_json_strings_integers_and_decimals_are_typed(auth_client):
    client = auth_client("admin")
    for body, attr in (
        ({"subject": "Hi", "body": 0, "audience": "all_customers"}, "body"),  # a number for a string
        ({"subject": "Hi", "body": True, "audience": "all_customers"}, "body"),
    ):
        response = client.post("/api/v1/notifications/broadcast", body, format="json")
        assert_error(response, 400, kind="validation_error", code="incorrect_type", attr=attr)
    response = client.patch("/api/v1/settings", {"low_stock_threshold": "5"}, format="json")
    assert_error(response, 400, kind="validation_error", code="incorrect_type", attr="low_stock_threshold")
    assert client.patch("/api/v1/settings", {"low_stock_threshold": 5}, format="json").status_code == 200


def test_an_empty_string_for_a_relation_is_refused_null_clears_it(auth_client):
    """DRF read ``"assigned_to": ""`` as null; the schema says a uuid or null."""
    from tests.leads.factories import InquiryFactory

    inquiry = InquiryFactory()
    client = auth_client("admin")
    path = f"/api/v1/inquiries/{inquiry.pk}"
    response = client.patch(path, {"assigned_to": ""}, format="json")
    assert_error(response, 400, kind="validation_error", code="incorrect_type", attr="assigned_to")
    assert client.patch(path, {"assigned_to": None}, format="json").status_code == 200


def test_a_form_body_is_refused_where_the_api_takes_json(auth_client):
    """A form's values are all strings: it bypassed every type the schema promises."""
    client = auth_client("customer")
    response = client.patch("/api/v1/notifications/preferences", "sms_opt_in=0",
                            content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert_error(response, 415, code="unsupported_media_type")


def test_form_data_keeps_working_where_the_api_takes_uploads(auth_client):
    response = auth_client("content").post("/api/v1/media", {"alt_text": "x"}, format="multipart")
    assert_error(response, 400, code="required")  # no file: refused on the file, not on the format


def test_typed_json_is_not_required_of_data_from_elsewhere():
    """A serializer fed by code (a CSV row, the admin) reads values as DRF does."""
    from apps.core.json_types import JSONObject

    class Example(serializers.Serializer):
        flag = serializers.BooleanField()
        count = serializers.IntegerField()

    assert Example(data={"flag": "true", "count": "3"}).is_valid()
    assert not Example(data=JSONObject(flag="true", count="3")).is_valid()
    assert Example(data=JSONObject(flag=True, count=3)).is_valid()


def test_a_json_strings_length_counts_as_sent_as_the_schema_does():
    """Found by the fuzzer: DRF trims spaces before counting, so "\x1c" + 200 characters passed
    a 200-character limit that the schema's maxLength says it breaks."""
    from apps.core.json_types import JSONObject

    class Example(serializers.Serializer):
        name = serializers.CharField(max_length=3)

    assert not Example(data=JSONObject(name=" abc ")).is_valid()
    assert Example(data=JSONObject(name="abc")).is_valid()
    assert Example(data={"name": " abc "}).is_valid()  # a form's value: DRF's rule


def test_the_format_query_parameter_is_gone(auth_client, schema):
    """``?format=`` (DRF's override) took "" as "no format"; the Accept header chooses."""
    assert all(p["name"] != "format" for _, _, o in _operations(schema) for p in o.get("parameters", []))
    response = auth_client("admin").get("/api/v1/export/activity-logs?format=json")
    assert response["Content-Type"].startswith("text/csv")


# --- query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["page=", "page=abc", "page=0", "page_size=", "page_size=null", "page_size=-1"]
)
def test_paging_parameters_that_are_no_whole_number_are_a_400(auth_client, query):
    """Were silently replaced by the defaults."""
    for path in ("/api/v1/inquiries", "/api/v1/inventory/movements"):
        if query.startswith("page=") and "movements" in path:
            continue  # cursor pages take no page number
        response = auth_client("admin").get(f"{path}?{query}")
        assert_error(response, 400, kind="validation_error", attr=query.split("=")[0])


def test_a_page_size_past_the_maximum_is_capped(auth_client):
    response = auth_client("admin").get("/api/v1/inquiries?page_size=1000")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs?preferred_before=",
        "/api/v1/jobs?needs_attention=",
        "/api/v1/jobs?needs_attention=null",
        "/api/v1/inquiries?status=",
        "/api/v1/inquiries?min_score=",
        "/api/v1/inquiries?min_score=1.5",
        "/api/v1/users?is_active=",
        "/api/v1/finance/revenue?date_to=",
        "/api/v1/analytics/overview?period=",
        "/api/v1/products?status=",
        "/api/v1/products?currency=",
        "/api/v1/search?q=tractor&limit=",
    ],
)
def test_an_empty_or_mistyped_filter_is_a_400_not_ignored(auth_client, path):
    response = auth_client("admin").get(path)
    assert response.status_code == 400, response.content
    assert_error(response, 400, kind=response.json()["type"])


def test_an_empty_free_text_filter_is_no_filter(auth_client):
    from tests.leads.factories import InquiryFactory

    InquiryFactory()
    for path in ("/api/v1/inquiries?source=", "/api/v1/inquiries?search=", "/api/v1/products?search="):
        assert auth_client("admin").get(path).status_code == 200, path
    assert auth_client("admin").get("/api/v1/inquiries?source=").json()["count"] == Inquiry.objects.count()


# --- Idempotency-Key -------------------------------------------------------------------------


def test_a_blank_idempotency_key_is_a_400_not_ignored(auth_client):
    client = auth_client("admin")
    body = {"dataset": "orders", "filters": {}, "format": "csv", "compress": False}
    response = client.post("/api/v1/reports", body, format="json", HTTP_IDEMPOTENCY_KEY="   ")
    assert_error(response, 400, code="invalid_idempotency_key")
    response = client.post("/api/v1/reports", body, format="json", HTTP_IDEMPOTENCY_KEY="é" * 3)
    assert_error(response, 400, code="invalid_idempotency_key")
    response = client.post("/api/v1/reports", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 202


def test_every_idempotent_operation_documents_its_header(schema):
    """Each handler under ``@idempotent`` documents ``Idempotency-Key`` (checkout: required)."""
    from django.urls import get_resolver

    documented = {
        (path, method)
        for path, method, operation in _operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    }
    assert ("/api/v1/checkout", "post") in documented
    assert ("/api/v1/quotes/{quote_id}/accept", "post") in documented
    checkout = schema["paths"]["/api/v1/checkout"]["post"]
    header = next(p for p in checkout["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is True and header["schema"]["maxLength"] == 255

    def handlers(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from handlers(pattern.url_patterns)
            elif getattr(pattern.callback, "cls", None) is not None:
                for name in ("post", "put", "patch", "delete"):
                    if getattr(getattr(pattern.callback.cls, name, None), "idempotent", False):
                        yield pattern.callback.cls, name

    idempotent = list(handlers(get_resolver().url_patterns))
    assert len(documented) >= len({cls for cls, _ in idempotent}) >= 5


# --- the schema itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, good, bad",
    [
        (serializers.DecimalField(max_digits=12, decimal_places=2),
         ["1", "-1.5", "12.", ".5", "9999999999.99"], ["", "-", ".", "1.234", "12345678901"]),
        (serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0), ["0", "1.50"], ["-1", ""]),
        (serializers.DecimalField(max_digits=5, decimal_places=0), ["12345"], ["1.5", "", "123456"]),
    ],
)  # fmt: skip
def test_a_decimals_pattern_matches_what_the_field_takes(field, good, bad):
    pattern = re.compile(decimal_pattern(field))
    for text in good:
        assert pattern.fullmatch(text) and field.run_validation(text) is not None, text
    for text in bad:
        assert not pattern.fullmatch(text), text


def test_boolean_filters_are_documented_as_booleans(schema):
    """Were ``type: boolean`` with an enum of strings, which nothing satisfies."""
    flags = [
        (path, parameter)
        for path, method, operation in _operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("is_active", "needs_review", "needs_attention", "converted", "in_stock")
    ]
    assert len(flags) >= 5
    for path, parameter in flags:
        assert parameter["schema"].get("type") == "boolean", path
        assert "enum" not in parameter["schema"], (path, parameter)


def test_a_text_field_that_may_not_be_blank_says_it_holds_more_than_spaces(schema):
    """Found by the fuzzer: ``{"refresh": "\\r"}`` matched ``minLength: 1`` and DRF, which trims,
    answered "may not be blank". The pattern is Python's whitespace spelt out for ECMA regexes."""
    from apps.core.openapi import NOT_ONLY_SPACES

    pattern = re.compile(NOT_ONLY_SPACES)
    field = serializers.CharField()
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert (pattern.search(char) is None) == (char.strip() == ""), hex(code)
    assert pattern.search("\r\n \x1c") is None and pattern.search(" a ")
    assert field.run_validation(" a ") == "a"
    refresh = schema["components"]["schemas"]["RefreshInputRequest"]["properties"]["refresh"]
    assert refresh["pattern"] == NOT_ONLY_SPACES
    currency = schema["components"]["schemas"]["CartCreateRequest"]["properties"]["currency"]
    assert currency["pattern"] == "^[A-Z]{3}$"  # a field's own pattern stays
