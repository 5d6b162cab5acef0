"""An outbox email through the real worker. In CI's PostgreSQL run (FOUNDRY_REQUIRE_SERVICES=1)
Celery is not eager: the send task goes through Redis to the worker .ci/run started, whose
file email backend writes into FOUNDRY_WORKER_MAIL_DIR; embedded, the task runs in-process."""

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from apps.notifications import api
from apps.notifications.models import EmailMessage
from tests.core.test_celery import _wait_for_mail_file


def _wait_for_status(message, status, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == status:
            return message
        time.sleep(0.2)
    raise AssertionError(f"email {message.pk} is {message.status}, not {status}, after {timeout}s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_outbox_email_is_sent_by_the_worker():
    address = f"outbox-{uuid.uuid4().hex[:8]}@example.com"
    with transaction.atomic():
        message = api.email_queue(to=address, template="email_test", context={"provider": "worker"})
    if settings.CELERY_TASK_ALWAYS_EAGER:
        [sent] = [m for m in mail.outbox if m.to == [address]]
        text = f"Subject: {sent.subject}\n{sent.body}{sent.alternatives[0][0]}"
    else:
        text = _wait_for_mail_file(Path(os.environ["FOUNDRY_WORKER_MAIL_DIR"]), address)
    assert "Subject: Foundry: test email" in text
    assert "This is a test email from Foundry" in text
    message = _wait_for_status(message, EmailMessage.Status.SENT)
    assert message.attempts == 1 and message.sent_at is not None
