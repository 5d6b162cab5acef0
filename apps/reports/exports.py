"""Streaming CSV exports: the dataset's rows after the list endpoint's filters, streamed
in constant memory, and written to the activity log with the filters and the row count once
the last row has gone out (or the client went away)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.filters import SearchFilter

from apps.core.activity import activity_record
from apps.core.context import RequestContext, current, request_context
from apps.core.errors import ApplicationError, NotFound, PermissionDenied
from apps.core.filters import FilterBackend
from apps.core.roles import has_role

from .datasets import DATASETS, Dataset, dataset_csv

CONTROL_PARAMS = frozenset({"excel"})


def dataset_for(*, user, name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        raise NotFound(f"No dataset '{name}'. Datasets: {', '.join(DATASETS)}.")
    if not has_role(user, *dataset.roles):
        raise PermissionDenied(f"Your role may not export {name}.", code="permission_denied")
    return dataset


def filtered_queryset(dataset: Dataset, request):
    """The list endpoint's filters (django-filter: 400 on a bad value) and search."""
    view = SimpleNamespace(
        filterset_class=dataset.filterset_class, search_fields=dataset.search_fields, request=request
    )
    queryset = dataset.rows(request.user)
    if dataset.filterset_class is not None:
        queryset = FilterBackend().filter_queryset(request, queryset, view)
    if dataset.search_fields:
        queryset = SearchFilter().filter_queryset(request, queryset, view)
    return queryset


def _day(value: str | None) -> str | None:
    parsed = parse_datetime(value) if value else None
    return parsed.date().isoformat() if parsed else None


def file_name(dataset: Dataset, params) -> str:
    """``orders_2026-01-01_2026-01-31.csv``: the dataset and the date range asked for
    (``all`` before the first row; the export's date when there is no end)."""
    start = _day(params.get("created_after")) or "all"
    end = _day(params.get("created_before")) or timezone.localdate().isoformat()
    return f"{dataset.name}_{start}_{end}.csv"


def export_stream(*, dataset: Dataset, queryset, user, filters: dict, excel: bool) -> Iterator[bytes]:
    """The CSV bytes, chunk by chunk. The activity log entry is written when the stream ends:
    complete, or cut short by the client (``complete: false``), with the details of the
    request that asked for it: the stream runs after the request's middleware has returned."""
    return _export_chunks(
        dataset=dataset, queryset=queryset, user=user, filters=filters, excel=excel, context=current()
    )


def _export_chunks(
    *, dataset: Dataset, queryset, user, filters: dict, excel: bool, context: RequestContext
) -> Iterator[bytes]:
    counted = {"rows": 0}
    complete = False
    try:
        for chunk, rows in dataset_csv(dataset, queryset, bom=excel):
            counted["rows"] += rows
            yield chunk
        complete = True
    finally:
        with request_context(context), transaction.atomic():
            activity_record(
                actor=user,
                action="export",
                entity_type=f"export.{dataset.name}",
                after={"filters": filters, "rows": counted["rows"], "complete": complete, "excel": excel},
                only_changes=False,
            )


def export_response(*, dataset: Dataset, queryset, user, params):
    """The streamed CSV response (API and admin): ``?excel=true`` for a BOM, the dated file
    name, never cached."""
    from django.http import StreamingHttpResponse

    excel = params.get("excel", "false").lower()
    if excel not in ("1", "true", "0", "false"):
        raise ApplicationError("excel must be true or false.", attr="excel")
    excel = excel in ("1", "true")
    filters = {k: v for k, v in params.items() if k not in CONTROL_PARAMS}
    response = StreamingHttpResponse(
        export_stream(
            dataset=dataset,
            queryset=queryset,
            user=user,
            filters=filters,
            excel=excel,
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name(dataset, params)}"'
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass the rows on as they come
    return response
