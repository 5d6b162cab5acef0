"""Real concurrency on PostgreSQL: two workers racing for one outbox row send it once; two
sweepers running at the same moment enqueue each lost row once."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from apps.notifications.models import EmailMessage
from apps.notifications.services import delivery, outbox
from tests.helpers import together

from .factories import EmailMessageFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENDS: list[str] = []
_lock = threading.Lock()


class SlowBackend(BaseEmailBackend):
    def send_messages(self, messages):
        time.sleep(0.3)  # the provider takes its time: the other worker arrives meanwhile
        with _lock:
            SENDS.extend(m.to[0] for m in messages)
        return len(messages)


def test_two_workers_racing_for_one_row_send_it_once(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_pg_concurrency.SlowBackend"
    SENDS.clear()
    message = EmailMessageFactory(to=["race@example.com"])
    outcomes = together(4, lambda i: outbox.email_send(message_id=message.pk))
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert SENDS == ["race@example.com"]
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT and message.attempts == 1


class RecordingTask:
    name = "recording"

    def __init__(self):
        self.ids = []
        self.lock = threading.Lock()

    def delay(self, pk):
        with self.lock:
            self.ids.append(pk)


def test_two_sweepers_at_once_enqueue_each_lost_row_once(settings):
    settings.EMAIL_SWEEP_BATCH_SIZE = 500
    lost = timezone.now() - timedelta(minutes=10)
    rows = [EmailMessageFactory(next_attempt_at=lost) for _ in range(60)]
    task = RecordingTask()
    results = together(2, lambda i: delivery.sweep(model=EmailMessage, task=task, max_attempts=5))
    assert sum(r.requeued for r in results) == 60
    assert sorted(task.ids) == sorted(str(r.pk) for r in rows)  # every row, none twice
