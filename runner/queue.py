"""Wake-ups: enqueue a run's advance or a step's execution after the transaction commits.

Tasks are looked up by name in the Celery app (runner.tasks registers them), so the services never
import the task module."""

from __future__ import annotations

from django.db import transaction

from pipewright.celery import app

ADVANCE_TASK = "runner.advance_run"
EXECUTE_TASK = "runner.execute_step"
REAP_TASK = "runner.reap"
CONTROL_QUEUE = "pipewright"


def enqueue_advance(run_id: int) -> None:
    transaction.on_commit(lambda: app.tasks[ADVANCE_TASK].apply_async((run_id,), queue=CONTROL_QUEUE))


def enqueue_step(step_id: int, queue: str) -> None:
    transaction.on_commit(lambda: app.tasks[EXECUTE_TASK].apply_async((step_id,), queue=queue))
