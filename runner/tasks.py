"""Thin Celery tasks: ids in, services do the work. The database is the record."""

from __future__ import annotations

import logging
import time

import redis
from celery import shared_task
from celery.signals import worker_ready
from celery.worker import state as worker_state
from django.conf import settings

from runner import hosts, queue, trials
from runner.advance import advance_run, foreach_work
from runner.execute import execute_step
from runner.sweeps import reap

log = logging.getLogger(__name__)


@shared_task(name=queue.ADVANCE_TASK, acks_late=True, reject_on_worker_lost=True)
def advance_run_task(run_id: int) -> str | None:
    return advance_run(run_id)


@shared_task(name=queue.FOREACH_TASK, acks_late=True, reject_on_worker_lost=True)
def foreach_task(run_id: int, node: str, what: str) -> str | None:
    return foreach_work(run_id, node, what)


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


@shared_task(name=queue.JANITOR_TASK)
def janitor_task() -> dict[str, int]:
    """On a host's own queue: that host's orphan containers and work folders go."""
    return hosts.janitor()


@shared_task(name=queue.JANITORS_TASK)
def janitors_task() -> dict[str, int]:
    """Beat's fan-out: one janitor message per live host (and cluster-wide orphans)."""
    return hosts.fan_out()


@shared_task(name=queue.KILL_TASK)
def kill_task(target: str, name: str, remove: bool = False) -> None:
    """On the queue of the host that runs a step: kill (or remove, with its work folder) its
    container there."""
    hosts.kill_here(target, name, remove, folder=remove)


@worker_ready.connect(weak=False)
def janitor(sender: object = None, **_: object) -> None:
    """At the start of a step worker (one that consumes a compute queue or its host's queue): its
    host is seen and its janitor runs at once (what a killed worker of this machine left behind
    goes now). The control worker has no steps and leaves it to them."""
    consumer = getattr(sender, "task_consumer", None)
    queues = {q.name for q in getattr(consumer, "queues", [])} if consumer is not None else set()
    if queues and not any(q.startswith("compute-") or q == hosts.queue_of(hosts.host_id()) for q in queues):
        return
    try:
        hosts.janitor()
    except Exception:  # a worker that cannot clean up still runs steps
        log.exception("janitor at worker start failed")


@shared_task(name="runner.noop")
def noop_task(mark: str | None = None) -> None:
    """Does nothing (but set a Redis key when given): the floor for bench/runner_bench.py."""
    if mark:
        redis.Redis.from_url(settings.REDIS_URL).set(mark, "1", ex=600)
