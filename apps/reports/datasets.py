"""The datasets finance and sales export as CSV (``GET /api/v1/export/{dataset}``), each with
its columns, who may export it, and the filters of its list endpoint.

A dataset's rows are ordered by an indexed column and stream without being held in memory:
written by PostgreSQL itself (``copy_csv``), or elsewhere read as ``values_list`` tuples (no
model instances) from a server-side cursor (``dataset_csv``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import django_filters
from django.db.models import QuerySet

from apps.core.filters import ActivityLogFilter, IsoDateTimeFilter
from apps.core.models import ActivityLog
from apps.core.roles import ADMIN, FINANCE, LOGISTICS, SALES
from apps.inventory.api import StockMovement, StockMovementFilter
from apps.leads.api import Inquiry, InquiryFilter, inquiries_visible
from apps.orders.api import Order, OrderFilter, OrderLine, Payment, PaymentFilter, Refund, payment_job_id
from apps.rfq.api import RFQFilter, rfqs_visible

from .copy_csv import copy_rows, copy_statement
from .csv_stream import header_text, row_chunks


@dataclass(frozen=True)
class Dataset:
    name: str
    roles: tuple[str, ...]
    rows: Callable  # (user) -> the queryset of rows the user may export, before filters
    columns: tuple[tuple[str, str], ...]  # (CSV header, values_list path)
    filterset_class: type | None = None
    search_fields: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ("created_at", "pk")
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def header(self) -> list[str]:
        return [header for header, _ in self.columns]

    @property
    def paths(self) -> list[str]:
        return [path for _, path in self.columns]


class OrderLineFilter(django_filters.FilterSet):
    """The order list's filters, applied to the lines' orders."""

    status = django_filters.ChoiceFilter(field_name="order__status", choices=Order.Status.choices)
    currency = django_filters.CharFilter(field_name="order__currency", lookup_expr="iexact")
    created_after = IsoDateTimeFilter(field_name="order__created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="order__created_at", lookup_expr="lt")
    sku = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = OrderLine
        fields = ["status", "currency", "created_after", "created_before", "sku"]


class RefundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Refund.Status.choices)
    currency = django_filters.CharFilter(field_name="payment__currency", lookup_expr="iexact")
    provider = django_filters.ChoiceFilter(field_name="payment__provider", choices=Payment.Provider.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Refund
        fields = ["status", "currency", "provider", "created_after", "created_before"]


class StockMovementExportFilter(StockMovementFilter):
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta(StockMovementFilter.Meta):
        fields = [*StockMovementFilter.Meta.fields, "created_before"]


FINANCE_ROLES = (FINANCE, ADMIN)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="orders",
            roles=FINANCE_ROLES,
            rows=lambda user: Order.objects.all(),
            filterset_class=OrderFilter,
            search_fields=("number", "email"),
            description="One row per order.",
            columns=(
                ("number", "number"), ("created_at", "created_at"), ("status", "status"),
                ("email", "email"), ("customer_id", "customer_id"), ("currency", "currency"),
                ("subtotal", "subtotal"), ("shipping", "shipping"), ("tax", "tax"), ("total", "total"),
                ("paid_at", "paid_at"), ("delivered_at", "delivered_at"), ("cancelled_at", "cancelled_at"),
                ("needs_review", "needs_review"),
            ),
        ),
        Dataset(
            name="order-lines",
            roles=FINANCE_ROLES,
            rows=lambda user: OrderLine.objects.all(),
            filterset_class=OrderLineFilter,
            order_by=("order__created_at", "order_id", "created_at", "pk"),
            description="One row per order line, with its order's number, date, status and currency.",
            columns=(
                ("order_number", "order__number"), ("order_created_at", "order__created_at"),
                ("order_status", "order__status"), ("sku", "sku"), ("name", "name"),
                ("quantity", "quantity"), ("unit_price", "unit_price"), ("line_total", "line_total"),
                ("currency", "order__currency"),
            ),
        ),
        Dataset(
            name="payments",
            roles=FINANCE_ROLES,
            rows=lambda user: Payment.objects.annotate(job_id=payment_job_id()),
            filterset_class=PaymentFilter,
            search_fields=("reference", "order__number"),
            description="One row per payment (of an order or of a service job).",
            columns=(
                ("id", "pk"), ("created_at", "created_at"), ("order_number", "order__number"),
                ("job_id", "job_id"), ("provider", "provider"), ("reference", "reference"),
                ("status", "status"), ("currency", "currency"), ("amount", "amount"),
                ("amount_captured", "amount_captured"), ("amount_refunded", "amount_refunded"),
                ("succeeded_at", "succeeded_at"), ("review_reason", "review_reason"),
            ),
        ),
        Dataset(
            name="refunds",
            roles=FINANCE_ROLES,
            rows=lambda user: Refund.objects.annotate(job_id=payment_job_id(prefix="payment__")),
            filterset_class=RefundFilter,
            description="One row per refund, with its payment and order.",
            columns=(
                ("id", "pk"), ("created_at", "created_at"), ("status", "status"),
                ("payment_reference", "payment__reference"), ("provider", "payment__provider"),
                ("order_number", "payment__order__number"), ("job_id", "job_id"),
                ("currency", "payment__currency"), ("amount", "amount"), ("reason", "reason"),
                ("reference", "reference"), ("restock", "restock"), ("actor_email", "actor__email"),
            ),
        ),
        Dataset(
            name="inquiries",
            roles=(SALES, FINANCE, ADMIN),
            rows=lambda user: inquiries_visible(user=user, queryset=Inquiry.objects.all()),
            filterset_class=InquiryFilter,
            search_fields=("full_name", "email", "company", "message"),
            description="The inquiries the caller may see (a sales user: those assigned to them).",
            columns=(
                ("id", "pk"), ("created_at", "created_at"), ("inquiry_type", "inquiry_type"),
                ("status", "status"), ("full_name", "full_name"), ("email", "email"), ("phone", "phone"),
                ("company", "company"), ("country", "country"), ("lead_score", "lead_score"),
                ("assigned_to", "assigned_to__email"), ("source", "source"), ("message", "message"),
                ("converted_at", "converted_at"),
            ),
        ),
        Dataset(
            name="rfqs",
            roles=(SALES, FINANCE, ADMIN),
            rows=lambda user: rfqs_visible(user=user),
            filterset_class=RFQFilter,
            search_fields=("number", "email", "company", "full_name"),
            order_by=("created_at", "sequence"),
            description="The RFQs the caller may see (a sales user: those assigned to them).",
            columns=(
                ("number", "number"), ("created_at", "created_at"), ("status", "status"),
                ("full_name", "full_name"), ("email", "email"), ("company", "company"),
                ("country", "country"), ("phone", "phone"), ("product_category", "product_category__name"),
                ("budget_range", "budget_range"), ("timeline", "timeline"),
                ("assigned_to", "assigned_to__email"), ("quote_sent_at", "quote_sent_at"),
            ),
        ),
        Dataset(
            name="inventory-movements",
            roles=(FINANCE, LOGISTICS, ADMIN),
            rows=lambda user: StockMovement.objects.all(),
            filterset_class=StockMovementExportFilter,
            description="The stock ledger: one row per movement.",
            columns=(
                ("id", "pk"), ("created_at", "created_at"), ("sku", "variant__sku"),
                ("warehouse", "warehouse__code"), ("on_hand_delta", "on_hand_delta"),
                ("reserved_delta", "reserved_delta"), ("reason", "reason"), ("reference", "reference"),
                ("actor_email", "actor__email"), ("note", "note"),
            ),
        ),
        Dataset(
            name="activity-logs",
            roles=(ADMIN,),
            rows=lambda user: ActivityLog.objects.all(),
            filterset_class=ActivityLogFilter,
            search_fields=("actor_email", "entity_repr", "entity_id"),
            description="The activity log: who did what to which entity.",
            columns=(
                ("id", "pk"), ("created_at", "created_at"), ("actor_email", "actor_email"),
                ("action", "action"), ("entity_type", "entity_type"), ("entity_id", "entity_id"),
                ("entity_repr", "entity_repr"), ("before", "before"), ("after", "after"),
                ("ip_address", "ip_address"),
            ),
        ),
    )
}  # fmt: skip


def dataset_rows(dataset: Dataset, queryset: QuerySet):
    """The filtered queryset's rows as tuples in the dataset's column order, from a server-side
    cursor (PostgreSQL) in chunks: memory stays flat whatever the row count."""
    return queryset.order_by(*dataset.order_by).values_list(*dataset.paths).iterator(chunk_size=2000)


def dataset_csv(dataset: Dataset, queryset: QuerySet, *, bom: bool = False) -> Iterator[tuple[bytes, int]]:
    """The CSV file of the filtered queryset as UTF-8 chunks, each with the number of rows in
    it (the header's chunk: 0). PostgreSQL writes the rows itself where it can (``copy_csv``);
    elsewhere Python does, from a server-side cursor. Same bytes either way."""
    yield header_text(dataset.header, bom=bom).encode(), 0
    statement = copy_statement(dataset.paths, dataset.order_by, queryset)
    if statement is not None:
        yield from copy_rows(statement, using=queryset.db)
        return
    for text, rows in row_chunks(dataset_rows(dataset, queryset)):
        yield text.encode(), rows
