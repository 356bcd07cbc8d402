"""Thin Celery tasks: ids in, services do the work. The database is the record."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

from runner import queue
from runner.advance import advance_run
from runner.execute import execute_step
from runner.sweeps import reap


@shared_task(name=queue.ADVANCE_TASK, acks_late=True, reject_on_worker_lost=True)
def advance_run_task(run_id: int) -> str | None:
    return advance_run(run_id)


@shared_task(name=queue.EXECUTE_TASK, acks_late=True, reject_on_worker_lost=True)
def execute_step_task(step_run_id: int) -> str | None:
    return execute_step(step_run_id)


@shared_task(name=queue.REAP_TASK, acks_late=True)
def reap_task() -> dict[str, int]:
    return reap()


@shared_task(name="runner.noop")
def noop_task(mark: str | None = None) -> None:
    """Does nothing (but set a Redis key when given): the floor for bench/runner_bench.py."""
    if mark:
        redis.Redis.from_url(settings.REDIS_URL).set(mark, "1", ex=600)
