"""The jobs tasks were named ``tracking.*`` while jobs lived in the tracking app: messages queued
under those names before an upgrade still run the same work (the aliases go in the next
release), and the beat schedules the new names only."""

import pytest
from celery import current_app

from config.celery import app

pytestmark = pytest.mark.django_db

FORMER = {
    "tracking.match_job": "jobs.match_job",
    "tracking.apply_missed_job_payments": "jobs.apply_missed_job_payments",
    "tracking.expire_job_offers": "jobs.expire_job_offers",
}


@pytest.mark.parametrize("former, name", FORMER.items())
def test_a_former_task_name_runs_the_same_work(former, name, monkeypatch):
    import apps.jobs.tasks  # noqa: F401  (registers the tasks)

    assert name in current_app.tasks and former in current_app.tasks
    ran = []
    task = current_app.tasks[name]
    monkeypatch.setattr(task, "run", lambda *args, **kwargs: ran.append(args) or "done")
    args = ("00000000-0000-0000-0000-000000000000",) if name == "jobs.match_job" else ()
    assert current_app.tasks[former].apply(args=args).get() == "done"
    assert ran == [args]


def test_the_beat_schedules_the_new_names_only():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"jobs.apply_missed_job_payments", "jobs.expire_job_offers"} <= tasks
    assert not {t for t in tasks if t in FORMER}
