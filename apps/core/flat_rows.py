"""A list page rendered from plain values instead of model instances.

A staff list page of 20 rows spent more time building model instances (four per row where a
serializer reads through ``select_related`` joins) and walking DRF's per-field machinery than
PostgreSQL spent answering (``docs/benchmarks.md``). ``FlatRows`` reads a ``ModelSerializer``'s
declared fields once, turns each field's ``source`` into a ``QuerySet.values()`` lookup
(``variant.product.name`` → ``variant__product__name``), fetches only those columns, and calls
each field's own ``to_representation`` on the value. The output is the serializer's, byte for
byte: the same fields, the same formatting (it is the fields' own code), ``None`` where DRF
gives ``None``.

Only what can be read that way is: a serializer with a custom ``to_representation``, a
``SerializerMethodField``, a source through a property or a reverse relation, a nested serializer
other than a list of a reverse foreign key's rows... makes ``FlatRows.build`` return None, and
the view renders as usual (``FlatListMixin``). ``tests/core/test_flat_rows.py`` compares both
renderings for every view that uses it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import pagination, serializers
from rest_framework.fields import empty
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField
from rest_framework.response import Response

from .pagination import count_rows_of


def page_values(queryset, *fields: str):
    """``queryset.values(*fields)`` for a list page, counted by the paginator as ``queryset``
    itself, without the joins its columns need (``count_rows_of``)."""
    return count_rows_of(queryset.prefetch_related(None).values(*fields), queryset)


@dataclass(frozen=True)
class _Column:
    name: str  # the output key
    lookup: str  # the values() key
    field: serializers.Field
    pk_only: bool = False  # a PrimaryKeyRelatedField reads ``.pk``


@dataclass(frozen=True)
class _Children:
    name: str
    flat: FlatRows  # the child serializer's rows
    parent_key: str  # the child's foreign key column (attname) to the parent
    manager: models.Manager  # the related model's default manager: its default ordering


def _lookup(model, source_attrs: list[str], annotations) -> tuple[str, bool] | None:
    """``a.b.c`` → (``a__b__c``, whether a relation on the way may be NULL) when each step
    before the last is a forward foreign key (or one-to-one) and the last a concrete column
    or, at the top level, an annotation."""
    if len(source_attrs) == 1 and source_attrs[0] in annotations:
        return source_attrs[0], False
    current = model
    nullable = False
    for position, attr in enumerate(source_attrs):
        try:
            field = current._meta.get_field(attr)
        except FieldDoesNotExist:
            if position == 0 and attr == "pk":
                field = current._meta.pk
            else:
                return None  # a property or method
        last = position == len(source_attrs) - 1
        if last:
            raw_key = field.is_relation and attr == getattr(field, "attname", None) != field.name
            if not field.concrete or (field.is_relation and not raw_key):  # ``job_id`` is a column
                return None
        elif not (field.many_to_one or field.one_to_one) or not field.concrete:
            return None
        else:
            nullable = nullable or field.null
            current = field.related_model
    return "__".join(source_attrs), nullable


def _readable(serializer) -> list[tuple[str, serializers.Field]]:
    return [(name, field) for name, field in serializer.fields.items() if not field.write_only]


class FlatRows:
    """The representation ``serializer_class`` gives the rows of ``queryset``, from values."""

    def __init__(self, plan: list[_Column | _Children], pk: str):
        self.plan = plan
        self.pk = pk
        self.columns = [step for step in plan if isinstance(step, _Column)]
        self.children = [step for step in plan if isinstance(step, _Children)]
        needed = [column.lookup for column in self.columns] + ([pk] if self.children else [])
        self.lookups = list(dict.fromkeys(needed))

    @classmethod
    def build(cls, serializer_class, model, annotations=()) -> FlatRows | None:
        """None when a field cannot be read from values (the caller renders as usual)."""
        if serializer_class.to_representation is not serializers.Serializer.to_representation:
            return None
        plan: list[_Column | _Children] = []
        for name, field in _readable(serializer_class()):
            if isinstance(field, serializers.ListSerializer):
                step = cls._children(name, field, model)
            else:
                step = cls._column(name, field, model, annotations)
            if step is None:
                return None
            plan.append(step)
        return cls(plan, model._meta.pk.attname)

    @staticmethod
    def _column(name: str, field, model, annotations) -> _Column | None:
        if isinstance(
            field, serializers.BaseSerializer | serializers.SerializerMethodField | serializers.FileField
        ):
            return None  # nested, computed, or a file (its URL needs the storage and the request)
        if isinstance(field, serializers.RelatedField) and not isinstance(field, PrimaryKeyRelatedField):
            return None
        if field.default is not empty and field.default is not None:
            return None  # DRF would render the default where a relation is missing
        if not field.source_attrs:  # source="*"
            return None
        found = _lookup(model, field.source_attrs, annotations)
        if found is None:
            return None
        lookup, nullable = found
        if nullable and not (field.allow_null or field.default is None):
            return None  # a missing relation: DRF would leave the key out, or raise
        return _Column(name, lookup, field, isinstance(field, PrimaryKeyRelatedField))

    @classmethod
    def _children(cls, name: str, field: serializers.ListSerializer, model) -> _Children | None:
        if len(field.source_attrs) != 1:
            return None
        try:
            relation = model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            return None
        if not relation.one_to_many or not isinstance(field.child, serializers.ModelSerializer):
            return None
        flat = cls.build(type(field.child), relation.related_model)
        if flat is None or flat.children:
            return None
        return _Children(name, flat, relation.field.attname, relation.related_model._default_manager)

    def values(self, queryset, *extra: str):
        """The queryset reading only the columns the rendering needs (plus ``extra``, e.g. a
        cursor pagination's ordering fields)."""
        return page_values(queryset, *dict.fromkeys([*self.lookups, *extra]))

    def render(self, rows: list[dict]) -> list[dict]:
        """The serializer's ``many=True`` data for these rows (of ``values()``)."""
        children = {child.name: self._grouped(child, rows) for child in self.children}
        out = []
        for row in rows:
            item = {}
            for step in self.plan:
                if type(step) is _Children:
                    item[step.name] = children[step.name].get(row[self.pk], [])
                    continue
                value = row[step.lookup]
                if value is None:
                    item[step.name] = None
                elif step.pk_only:
                    item[step.name] = step.field.to_representation(PKOnlyObject(pk=value))
                else:
                    item[step.name] = step.field.to_representation(value)
            out.append(item)
        return out

    def _grouped(self, child: _Children, rows: list[dict]) -> dict:
        """Each parent's rendered children, in the related model's default order (what a
        ``prefetch_related`` of the relation gives): one query for the page."""
        ids = [row[self.pk] for row in rows]
        if not ids:
            return {}
        children = child.manager.filter(**{f"{child.parent_key}__in": ids})
        child_rows = list(children.values(child.parent_key, *child.flat.lookups))
        grouped = defaultdict(list)
        for child_row, rendered in zip(child_rows, child.flat.render(child_rows), strict=True):
            grouped[child_row[child.parent_key]].append(rendered)
        return grouped


@lru_cache(maxsize=256)
def _flat_rows(serializer_class, model, annotations: frozenset) -> FlatRows | None:
    return FlatRows.build(serializer_class, model, annotations)


class FlatListMixin:
    """For a ``ListAPIView``: the page is read as values and rendered by ``FlatRows`` when the
    serializer allows it, else as usual. Same filters, pagination, envelope and output."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        flat = _flat_rows(self.get_serializer_class(), queryset.model, frozenset(queryset.query.annotations))
        if flat is None:
            page = self.paginate_queryset(queryset)
            data = self.get_serializer(queryset if page is None else page, many=True).data
        else:
            extra = ()
            if isinstance(self.paginator, pagination.CursorPagination):
                ordering = self.paginator.get_ordering(request, queryset, self)
                extra = [field.lstrip("-") for field in ordering]
            rows = flat.values(queryset, *extra)
            page = self.paginate_queryset(rows)
            data = flat.render(list(rows) if page is None else page)
        return Response(data) if page is None else self.get_paginated_response(data)
