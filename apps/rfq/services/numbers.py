"""Human-friendly unique RFQ numbers: RFQ-2026-000123 (the same scheme as order numbers).

PostgreSQL: a sequence (no lock, so concurrent submissions never wait on each other; a rolled
back submission leaves a gap, which is fine). Elsewhere (SQLite serializes writers): the
highest counter + 1, inside the submission's transaction."""

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from ..models import RFQ

SEQUENCE = "rfq_rfq_sequence_seq"


def rfq_sequence_next() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return cursor.fetchone()[0]
    return (RFQ.objects.aggregate(n=Max("sequence"))["n"] or 0) + 1


def rfq_number_for(*, sequence: int) -> str:
    return f"{settings.RFQ_NUMBER_PREFIX}-{timezone.now().year}-{sequence:06d}"
