"""Human-friendly unique order numbers: FD-2026-000123.

PostgreSQL: a sequence (no lock, so concurrent checkouts never wait on each other; a rolled
back checkout leaves a gap, which is fine). Elsewhere (SQLite serializes writers): the highest
counter + 1, inside the checkout's transaction."""

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from ..models import Order

SEQUENCE = "orders_order_sequence_seq"


def order_sequence_next() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return cursor.fetchone()[0]
    return (Order.objects.aggregate(n=Max("sequence"))["n"] or 0) + 1


def order_number_for(*, sequence: int) -> str:
    return f"{settings.ORDER_NUMBER_PREFIX}-{timezone.now().year}-{sequence:06d}"
