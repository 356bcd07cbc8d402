"""Enqueueing the runner's tasks by name (after commit), so services that enqueue never
import the task module.

A message is only a wake-up: the database is the record. When the broker cannot take one (Redis
down or restarting), the caller's work is already committed; we log a warning and the sweep
(runner.sweeps.reap, run by beat) sends it again once the broker is back. Enqueueing never fails
the request or task that asked for it."""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from pipewright.celery import app

log = logging.getLogger(__name__)

ADVANCE_TASK = "runner.advance_run"
EXECUTE_TASK = "runner.execute_step"
REAP_TASK = "runner.reap"
JANITOR_TASK = "runner.janitor"  # on a host's own queue (runner.hosts)
JANITORS_TASK = "runner.janitors"  # beat's fan-out, on the control queue
KILL_TASK = "runner.kill"  # on the queue of the host that runs the step
FOREACH_TASK = "runner.foreach"  # a for-each node's split or gather (runner.advance.foreach_work)
CONTROL_QUEUE = "pipewright"
# What a broker that is down raises from apply_async (after Celery's own publish retries).
BROKER_ERRORS = (OperationalError, RedisError)


def enqueue_advance(run_id: int) -> None:
    transaction.on_commit(lambda: send(ADVANCE_TASK, run_id, CONTROL_QUEUE))


def enqueue_foreach(run_id: int, node: str, what: str) -> None:
    transaction.on_commit(lambda: send_args(FOREACH_TASK, (run_id, node, what), CONTROL_QUEUE))


def enqueue_step(step_id: int, queue: str) -> None:
    transaction.on_commit(lambda: send(EXECUTE_TASK, step_id, queue))


def send(task: str, object_id: int, queue: str) -> bool:
    """Publish one task now; False (and a warning) when the broker did not take it."""
    return send_args(task, (object_id,), queue)


def send_args(task: str, args: tuple, queue: str, expires: float | None = None) -> bool:
    """`send` with any JSON arguments and an optional expiry (seconds: a message to a host whose
    queue nobody consumes any more expires rather than piles up)."""
    try:
        app.tasks[task].apply_async(args, queue=queue, expires=expires)
    except BROKER_ERRORS as exc:
        shown = ", ".join(map(str, args))
        log.warning("could not enqueue %s(%s) on %s: %s; the sweep will send it again", task, shown, queue, exc)
        return False
    return True
