"""Celery wiring. In CI's PostgreSQL run (FOUNDRY_REQUIRE_SERVICES=1) Celery is not eager:
the password-reset email below is sent by the real worker process that .ci/run started,
whose email backend writes files into FOUNDRY_WORKER_MAIL_DIR."""

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from config.celery import app


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def _wait_for_mail_file(directory: Path, needle: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for file in directory.glob("*.log") if directory.exists() else []:
            text = file.read_text(errors="replace")
            if needle in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no email to {needle} in {directory} within {timeout}s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_sent_by_the_task(api_client, make_user):
    email = f"reset-{uuid.uuid4().hex[:8]}@example.com"
    make_user("customer", email=email)
    response = api_client.post("/api/v1/auth/password-reset", {"email": email}, format="json")
    assert response.status_code == 202

    if settings.CELERY_TASK_ALWAYS_EAGER:
        [message] = [m for m in mail.outbox if m.to == [email]]
        text = f"Subject: {message.subject}\n{message.body}{message.alternatives[0][0]}"
    else:
        mail_dir = Path(os.environ["FOUNDRY_WORKER_MAIL_DIR"])
        text = _wait_for_mail_file(mail_dir, email)
    assert "reset-password?uid=" in text
    assert "Reset your Foundry password" in text
