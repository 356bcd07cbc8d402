"""Executing one step attempt: claim it, run it on its compute backend with a heartbeat, record
the outcome (retry, fail or succeed and fill the cache), then advance its run."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import select
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from compiler.plan import Step
from runner import background, compute, events, heartbeats, hosts, inflight, installation, queue, states
from runner.advance import advance_run, keeping_one, plan_of, run_outcome
from runner.failures import failure_message
from runner.foreach import step_of
from runner.models import Run, StepRun
from runner.steplogs import LogWriter, attempt_tail
from runner.transitions import move_step, stamp
from runner.workspace import collect, prepare

log = logging.getLogger(__name__)


def heartbeat_timeout() -> float:
    return float(settings.PIPEWRIGHT_HEARTBEAT_TIMEOUT)


def work_folder(step_id: int, attempt: int) -> Path:
    """An attempt's work folder, named as its container (so by this installation's id): the
    sweep removes the folders of attempts that no longer run, and no other installation's."""
    return Path(settings.WORK_ROOT) / installation.container_name(step_id, attempt)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def execute_step(step_id: int, go_on: Callable[[], bool] = lambda: False) -> str | None:
    """Claim a queued step, run one attempt, record the outcome, then advance its run; returns the
    step's status. When that made a step ready on the same queue (the next step of a chain), this
    worker runs it next while `go_on()` says so (no trip through the broker), and so on; else
    that step is sent to its queue as usual."""
    ran, kept = _execute_one(step_id)
    while kept is not None:
        if not go_on():
            queue.enqueue_step(kept[0], kept[1])  # outside a transaction: sent now
            break
        kept = _execute_one(kept[0])[1]
    if not ran:
        return None  # missing, someone else's, or canceled
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status FROM {StepRun._meta.db_table} WHERE id = %s", [step_id])
        found = cursor.fetchone()
    return found[0] if found else None


def _execute_one(step_id: int) -> tuple[bool, tuple[int, str] | None]:
    """One step attempt: whether this worker claimed it, and the step it made ready for this
    worker (id, queue), if any."""
    me = worker_id()
    now = timezone.now()
    with transaction.atomic():
        row = StepRun.objects.select_related("run").defer("run__plan").filter(pk=step_id).first()
        if row is None:
            return False, None
        # a step with the same key in flight: wait for it, or reuse what it has just stored
        decision = inflight.decide(row.run, step_of(plan_of(row.run), row), row)
        if decision != inflight.LEAD:
            return True, None  # cached now, or queued behind the step it follows
        attempt = row.attempt + 1
        name = installation.container_name(row.pk, attempt)
        timings = {**row.timings, "claimed_at": stamp(now)}
        # the claim: only one worker moves this attempt from queued to running
        if not move_step(
            step_id,
            states.RUNNING,
            extra=Q(attempt=row.attempt),
            worker_id=me,
            host=hosts.host_id(),  # whose engine runs it: cancel and the sweep reach it there
            heartbeat_at=Now(),  # the database's clock, as the reaper's cut-off
            started_at=now,
            attempt=attempt,
            exit_code=None,
            error="",
            container_name=name,
            timings=timings,
            cpu_seconds=None,
            peak_memory_bytes=None,
        ):
            return False, None  # someone else has it, or it was canceled
        row.status, row.attempt, row.worker_id, row.started_at = states.RUNNING, attempt, me, now
        row.host = hosts.host_id()
        row.exit_code, row.error, row.container_name = None, "", name
        row.timings, row.cpu_seconds, row.peak_memory_bytes = timings, None, None
        events.publish_row(row)
    run = row.run
    step = step_of(plan_of(run), row)
    mine = Q(worker_id=me, attempt=attempt)
    work = work_folder(row.pk, attempt)
    sink = LogWriter(row.run_id, row.pk, row.node, row.attempt)  # in the database, not on this host
    try:
        try:
            outcome = _attempt(step, row, work, mine, sink, _exit_env(run, step))
            # the outcome first, committed and sent on its own (the step's event does not wait for
            # the advance) with the log's last lines; the run's row locked first, in the order
            # advance_run and cancel_run take locks
            with transaction.atomic(), events.batch(run.pk):
                _lock_run(run.pk)
                sink.flush_rest()
                _record(step, row, outcome, mine)
        finally:
            sink.close()  # stores what the record did not (nothing once it committed); compacts
        with keeping_one(row.queue) as kept:
            advance_run(run.pk, after=row.node)
    finally:
        _discard(work)
    return True, ((kept[0], row.queue) if kept else None)


def _lock_run(run_id: int) -> None:
    """The run's row lock, taken first as advance_run and cancel_run take it. In SQL of its own:
    a worker spent more CPU building the ORM's query than the database spent on the lock."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Run._meta.db_table} WHERE id = %s FOR UPDATE", [run_id])


def _discard(work: Path) -> None:
    """Remove an attempt's work folder behind the worker's back: a chain's next step, claimed
    right after, does not wait for it (tens of ms of unlinks on a busy disk). A folder a dying
    worker leaves behind is removed by the sweep, as any attempt's that no longer runs."""
    background.later(functools.partial(shutil.rmtree, work, ignore_errors=True))


def _check_connection() -> None:
    """After a step's wait, replace the connection if the database cut it meanwhile, rather than
    fail the attempt's record on a dead one; without a round trip when it is fine: an idle
    connection has nothing to read unless the server said something (a termination notice, or
    the end of the stream), and only then does the next query check it first (a worker has
    CONN_HEALTH_CHECKS on) and reconnect if it is dead."""
    raw = connection.connection
    if connection.in_atomic_block or raw is None:
        return
    try:
        waiting = bool(select.select([raw.fileno()], [], [], 0)[0])
    except (OSError, ValueError):  # no usable socket: let Django's check decide
        waiting = True
    if waiting:
        connection.close_if_unusable_or_obsolete()


@dataclass
class _Attempt(compute.StepOutcome):
    """An attempt's outcome and, when it succeeded, what it produced."""

    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs_stored_at: float | None = None

    def timings(self, before: dict[str, str]) -> dict[str, str]:
        """`before` (the claim's points) with what this attempt saw, ending now."""
        seen = {
            "container_started_at": self.started_at,
            "container_exited_at": self.exited_at,
            "outputs_stored_at": self.outputs_stored_at,
        }
        points = {**before, **{k: stamp(v) for k, v in seen.items() if v is not None}}
        points["finished_at"] = stamp()
        return points

    def usage(self) -> dict[str, Any]:
        return {"cpu_seconds": self.cpu_seconds, "peak_memory_bytes": self.peak_memory_bytes}


def _exit_env(run: Run, step: Step) -> dict[str, str]:
    """What an exit step is told of the run it closes: PIPEWRIGHT_RUN_OUTCOME (succeeded | failed |
    canceled, from the ordinary steps) and PIPEWRIGHT_RUN_ID."""
    if not step.exit:
        return {}
    statuses = dict(run.steps.values_list("node", "status"))
    return {"PIPEWRIGHT_RUN_OUTCOME": run_outcome(plan_of(run), statuses), "PIPEWRIGHT_RUN_ID": str(run.pk)}


def _attempt(
    step: Step, row: StepRun, work: Path, mine: Q, sink: LogWriter, extra_env: dict[str, str] | None = None
) -> _Attempt:
    """Run one attempt with a heartbeat, its output into `sink` (stopped at the end, its last lines
    left for the record); a step's own failure is an outcome, never an exception."""
    if row.attempt > 1:
        sink.line(f"--- attempt {row.attempt} ---")
    token, lost = heartbeats.start(row.pk, mine)

    def should_stop() -> bool:  # polled by the backend while the step runs
        sink.tick()
        return lost.is_set()

    target = compute.backend(compute.target_of(row.queue))
    try:
        with contextlib.ExitStack() as pins:  # the inputs stay in the worker's cache while mounted
            job = prepare(step, row, work, pins, extra_env)
            result = _Attempt(**dataclasses.asdict(target.run(job, sink.line, should_stop)))
        _check_connection()
        if result.exit_code == 0 and not result.error:
            result.outputs, result.metrics, result.infos = collect(step, job)
            result.outputs_stored_at = time.time()
    except Exception as exc:  # a step's own failure (or the engine's absence), never the worker's
        result = _Attempt(None, str(exc) or exc.__class__.__name__)
    finally:
        heartbeats.stop(token)
        sink.stop()
    return result


def _record(step: Step, row: StepRun, outcome: _Attempt, mine: Q) -> None:
    """Record an attempt's outcome if this worker still owns it."""
    if outcome.stopped:
        return  # canceled or taken over by the reaper: whoever moved it owns the next state
    if outcome.exit_code != 0 or outcome.error:
        # a non-zero exit says why through the last exception (or `error:` line) of its log
        message = outcome.error or failure_message(outcome.exit_code, attempt_tail(row, row.attempt))
        retries = step.runtime.retries
        fail_attempt(
            row.pk,
            row.attempt,
            message,
            exit_code=outcome.exit_code,
            extra=mine,
            retries=retries,
            timings=outcome.timings(row.timings),
            **outcome.usage(),
        )
        return
    finished = timezone.now()
    timings = outcome.timings(row.timings)
    with transaction.atomic(savepoint=False):
        if not move_step(
            row.pk,
            states.SUCCEEDED,
            extra=mine,
            outputs=outcome.outputs,
            metrics=outcome.metrics,
            exit_code=0,
            finished_at=finished,
            timings=timings,
            **outcome.usage(),
        ):
            return
        # the team's cache entry, and the outputs of every step that waited for this one
        inflight.settle(row, step, outcome.outputs, outcome.metrics)
        row.status, row.outputs, row.metrics = states.SUCCEEDED, outcome.outputs, outcome.metrics
        row.exit_code, row.finished_at, row.timings = 0, finished, timings
        row.cpu_seconds, row.peak_memory_bytes = outcome.cpu_seconds, outcome.peak_memory_bytes
        events.publish_row(row, outcome.infos)


def fail_attempt(
    step_id: int,
    attempt: int,
    message: str,
    *,
    exit_code: int | None,
    extra: Q,
    retries: int,
    timings: dict[str, str] | None = None,
    **usage: Any,
) -> str | None:
    """Queue the step again while it has retries left, else fail it; returns the status it moved
    to, or None when the attempt was no longer this caller's to end. `timings` and `usage`
    (cpu_seconds, peak_memory_bytes) are the attempt's, when the caller knows them."""
    seen = {"timings": timings, **usage} if timings is not None else usage
    with transaction.atomic(savepoint=False):
        if attempt <= retries:
            row = StepRun.objects.get(pk=step_id)
            if move_step(
                step_id,
                states.QUEUED,
                extra=extra,
                error=f"attempt {attempt} failed: {message}",
                exit_code=exit_code,
                worker_id="",
                heartbeat_at=Now(),  # queued since: the sweep sends it again if nobody claims it
                timings={"queued_at": stamp()},  # the next attempt's
            ):
                events.publish_step(step_id)
                queue.enqueue_step(step_id, compute.queue_for(compute.target_of(row.queue)))
                return states.QUEUED
        elif move_step(
            step_id,
            states.FAILED,
            extra=extra,
            error=message,
            exit_code=exit_code,
            finished_at=timezone.now(),
            **seen,
        ):
            events.publish_step(step_id)
            inflight.release(step_id)  # the steps that waited for it execute themselves
            return states.FAILED
    return None
