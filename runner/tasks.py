"""Thin Celery tasks: ids in, services do the work. The database is the record."""

from __future__ import annotations

import logging
import time

import redis
from celery import shared_task
from celery.signals import worker_ready
from celery.worker import state as worker_state
from django.conf import settings

from runner import queue, trials
from runner.advance import advance_run
from runner.execute import execute_step
from runner.sweeps import reap, remove_dead_work_folders

log = logging.getLogger(__name__)


@shared_task(name=queue.ADVANCE_TASK, acks_late=True, reject_on_worker_lost=True)
def advance_run_task(run_id: int) -> str | None:
    return advance_run(run_id)


@shared_task(name=queue.EXECUTE_TASK, acks_late=True, reject_on_worker_lost=True)
def execute_step_task(step_run_id: int) -> str | None:
    # the next step of a chain runs on in this task for a few seconds (short steps: no broker
    # round trip between them), never once the worker is asked to stop
    until = time.monotonic() + settings.PIPEWRIGHT_CHAIN_SECONDS

    def go_on() -> bool:
        stopping = worker_state.should_stop is not None or worker_state.should_terminate is not None
        return time.monotonic() < until and not stopping

    return execute_step(step_run_id, go_on)


@shared_task(name=trials.TRIAL_TASK, acks_late=True, reject_on_worker_lost=True)
def run_trial_task(trial_id: int) -> str | None:
    return trials.run_trial(trial_id)


@shared_task(name=queue.REAP_TASK, acks_late=True)
def reap_task() -> dict[str, int]:
    return reap()


@worker_ready.connect(weak=False)
def janitor(**_: object) -> None:
    """At worker start: this installation's work folders of attempts no longer running go (a
    worker on another machine has its own disk, which the sweep on the control worker never sees)."""
    removed = remove_dead_work_folders()
    if removed:
        log.info("janitor: removed %d work folder(s) of dead attempts", removed)


@shared_task(name="runner.noop")
def noop_task(mark: str | None = None) -> None:
    """Does nothing (but set a Redis key when given): the floor for bench/runner_bench.py."""
    if mark:
        redis.Redis.from_url(settings.REDIS_URL).set(mark, "1", ex=600)
