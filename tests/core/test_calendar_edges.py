"""Every date and date-time query parameter of every GET in the OpenAPI schema, at the ends of
the calendar: a 200 or the error envelope's 400, never a 500. ``0001-01-01T00:00+01:00`` has no
UTC counterpart and 9999-12-31 no next day; Python finds out only when the query is built (the
API fuzzer found three such 500s). Generated from the schema, so a new filter is covered the
day it is added."""

import django_filters
import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.reports.datasets import DATASETS
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

EDGES = {
    "date": ("0001-01-01", "9999-12-31"),
    "date-time": (
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "0001-01-01",
    ),
}


def dated_parameters() -> list[tuple[str, str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        parameters = operation.get("parameters", [])
        paths = [path]
        for parameter in parameters:
            if parameter["in"] == "path":
                choices = parameter["schema"].get("enum")
                if not choices:
                    paths = []  # an object's id: its list carries the same filters
                    break
                name = "{" + parameter["name"] + "}"
                paths = [p.replace(name, choice) for p in paths for choice in choices]
        for parameter in parameters:
            kind = parameter["schema"].get("format")
            if parameter["in"] == "query" and kind in EDGES:
                found += [(p, parameter["name"], kind) for p in paths]
    return found + exported_parameters()


def exported_parameters() -> list[tuple[str, str, str]]:
    """The exports take their list's filters; one schema path serves every dataset, so these
    come from the datasets' filter sets."""
    found = []
    for name, dataset in DATASETS.items():
        for field, declared in (dataset.filterset_class or django_filters.FilterSet).base_filters.items():
            if isinstance(declared, django_filters.IsoDateTimeFilter):
                found.append((f"/api/v1/export/{name}", field, "date-time"))
            elif isinstance(declared, django_filters.DateFilter):
                found.append((f"/api/v1/export/{name}", field, "date"))
    return found


def test_dates_at_the_ends_of_the_calendar_are_answered_not_500(auth_client):
    client = auth_client("admin")
    cases = dated_parameters()
    assert len(cases) > 35, cases  # lists, exports and finance: the generator found them
    for path, name, kind in cases:
        for value in EDGES[kind]:
            response = client.get(path, {name: value})
            if response.status_code == 400:
                body = response.json()
                assert_error(response, 400, kind=body.get("type"), attr=name)
                assert body["type"] in ("validation_error", "client_error"), body
            else:
                assert response.status_code == 200, (path, name, value, response.status_code)
