"""A JSON body is typed as the API's schema says.

DRF reads a form's strings into the declared types, and reads JSON the same lenient way: ``1``
for a string becomes ``"1"``, ``"true"``, ``"yes"`` or ``1`` for a boolean become ``True``,
``"12"`` for an integer becomes ``12``. The schema (and any client generated from it) says a
string, a boolean, an integer; a client that sends something else has a bug it should hear
about, as with a misspelt field. So a value in a JSON body must have its field's JSON type:

========================================================  ===================================
DRF field                                                  JSON value
========================================================  ===================================
BooleanField                                               ``true``/``false``
IntegerField                                               a number without a fraction
FloatField                                                 a number
DecimalField                                               a string (money travels as text,
                                                           as the schema and responses show)
CharField (email, URL, slug, regex), UUID, date, time,     a string
date-time, duration
ChoiceField                                                the choices' type (string/integer)
a relation (an id, a slug)                                 not ``""`` (``null`` clears it)
========================================================  ===================================

Anything else is a 400 on the field (``incorrect_type``, with DRF's own wording). A string's
``max_length`` counts it as sent, as the schema's ``maxLength`` does (DRF counts it trimmed). ``null`` and
a missing value are left to the field (``allow_null``, ``required``). Data that did not come
from a JSON body (a form, an upload's fields, a CSV row read by a service) is read as DRF does.

``JSONParser`` marks what it parses (``JSONObject``/``JSONArray``); ``install()`` (from
``CoreConfig.ready``) adds the check at DRF's one entry point for every field's raw value,
``Field.validate_empty_values`` (and ``RelatedField.run_validation``, which turns "" into null
before it): DRF has no setting for it, and hundreds of declared fields would otherwise each
need a project subclass."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import fields, relations
from rest_framework.exceptions import ValidationError


class JSONObject(dict):
    """A JSON body that is an object (as parsed by ``apps.core.parsers.JSONParser``)."""


class JSONArray(list):
    """A JSON body that is an array."""


def mark(value):
    """``value`` (a parsed body) marked as JSON."""
    if type(value) is dict:
        return JSONObject(value)
    if type(value) is list:
        return JSONArray(value)
    return value


STRING_FIELDS = (
    fields.CharField, fields.UUIDField, fields.DateField, fields.DateTimeField, fields.TimeField,
    fields.DurationField, fields.DecimalField,
)  # fmt: skip


def _is_integer(value) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _choice_accepts(field: fields.ChoiceField, value) -> bool:
    kinds = {type(key) for key in field.choices}
    if kinds <= {str}:
        return isinstance(value, str)
    if kinds <= {int}:
        return _is_integer(value)
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def json_type_accepts(field: fields.Field, value) -> bool:
    """Whether ``value`` (from a JSON body) has the JSON type of ``field``."""
    if isinstance(field, fields.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, fields.IntegerField):
        return _is_integer(value)
    if isinstance(field, fields.FloatField):
        return _is_number(value)
    if isinstance(field, STRING_FIELDS):
        return isinstance(value, str)
    if isinstance(field, fields.ChoiceField) and not isinstance(field, fields.MultipleChoiceField):
        return _choice_accepts(field, value)
    return True


def _from_json(field: fields.Field) -> bool:
    root = field
    while root.parent is not None:
        root = root.parent
    return isinstance(getattr(root, "initial_data", None), (JSONObject, JSONArray))


_validate_empty_values = fields.Field.validate_empty_values


def _incorrect_type(field: fields.Field, data) -> ValidationError:
    message = f"Incorrect type. Expected {_json_type_name(field)}, but got {_json_name(data)}."
    return ValidationError(message, code="incorrect_type")


def _typed_validate_empty_values(self, data):
    is_empty, data = _validate_empty_values(self, data)
    if not is_empty and _from_json(self):
        if not json_type_accepts(self, data):
            raise _incorrect_type(self, data)
        if isinstance(self, fields.CharField) and self.max_length is not None and len(data) > self.max_length:
            # As sent, as the schema's maxLength counts: DRF would count after trimming spaces.
            self.fail("max_length", max_length=self.max_length)
    return is_empty, data


_related_run_validation = relations.RelatedField.run_validation


def _related_typed_run_validation(self, data=fields.empty):
    # DRF reads "" as null for a relation (a form's empty select); JSON says null for that.
    if data == "" and _from_json(self):
        raise _incorrect_type(self, data)
    return _related_run_validation(self, data)


def _json_type_name(field: fields.Field) -> str:
    if isinstance(field, relations.RelatedField):
        return "an id, or null to clear it"
    if isinstance(field, fields.BooleanField):
        return "true or false"
    if isinstance(field, fields.IntegerField):
        return "an integer"
    if isinstance(field, fields.FloatField):
        return "a number"
    if isinstance(field, fields.DecimalField):
        return 'a decimal number as a string ("12.50")'
    if isinstance(field, fields.ChoiceField) and {type(key) for key in field.choices} <= {int}:
        return "an integer"
    return "a string"


def _json_name(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def install() -> None:
    """Check JSON types in every serializer field (idempotent)."""
    fields.Field.validate_empty_values = _typed_validate_empty_values
    relations.RelatedField.run_validation = _related_typed_run_validation
