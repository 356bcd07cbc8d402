"""Periodic repairs (runner.reap, run by beat on the control queue): everything that should be
moving and is not is driven again. The database is the record; broker messages are wake-ups that
a Redis restart or a dead worker can lose. Each pass is idempotent and acts through conditional
updates, so running the sweep twice at once, or beside the workers, never runs a step twice at
once. Every cut-off is taken from the database's clock, as the timestamps it is compared with.

One pass:
1. attempts whose worker stopped beating are retried (or failed) and their container removed;
2. steps `queued` longer than the grace period are sent to their compute queue again (a duplicate
   message is harmless: the claim in runner.execute is a conditional UPDATE on the attempt);
3. runs that are not terminal and have no step queued or running (never advanced, ready steps
   never enqueued, or the last step finished but the run never closed) are advanced here.

A dead attempt's container is removed on the host that ran it (a message on that host's queue,
runner.hosts); containers and work folders nobody owns are each host's janitor's (runner.hosts),
not this pass's: this pass runs on one machine and sees one engine and one disk.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Now

from runner import compute, hosts, queue, states, trials
from runner.advance import advance_run, plan_of
from runner.execute import fail_attempt, heartbeat_timeout
from runner.foreach import step_of
from runner.models import Run, StepRun

log = logging.getLogger(__name__)

ACTIVE_STEP = (states.QUEUED, states.RUNNING)
BATCH = 500  # runs or steps re-driven per pass; the next pass takes the rest


def db_now() -> datetime:
    """The database's clock (not this worker's): heartbeats and queue times are written with it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        row = cursor.fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def queued_grace() -> float:
    return float(settings.PIPEWRIGHT_QUEUED_GRACE)


def reap() -> dict[str, int]:
    """One sweep pass; returns what it did, by kind."""
    now = db_now()
    done = _reap_stale(now)
    done["requeued"] = _requeue_waiting(now)
    done["advanced"] = _advance_idle_runs()
    done["trials"] = trials.expire_trials()
    if any(done.values()):
        log.info("sweep: %s", done)
    return done


def _reap_stale(now: datetime) -> dict[str, int]:
    """Retry or fail attempts whose heartbeat stopped; remove their containers."""
    cutoff = now - timedelta(seconds=heartbeat_timeout())
    stale = StepRun.objects.filter(status=states.RUNNING, heartbeat_at__lt=cutoff)
    retried = failed = removed = 0
    for row in stale.select_related("run").defer("run__plan")[:BATCH]:
        step = step_of(plan_of(row.run), row)
        extra = Q(attempt=row.attempt, worker_id=row.worker_id, heartbeat_at__lt=cutoff)
        message = f"the worker stopped sending heartbeats (attempt {row.attempt})"
        # a lost worker is not the step's fault: it gets one attempt more than its own retries
        moved = fail_attempt(
            row.pk, row.attempt, message, exit_code=None, extra=extra, retries=step.runtime.retries + 1
        )
        if moved == states.QUEUED:
            retried += 1
        elif moved == states.FAILED:
            failed += 1
            queue.enqueue_advance(row.run_id)
        if moved and row.container_name:
            hosts.remove_on_host(row.host, row.queue, row.container_name)
            removed += 1
    return {"retried": retried, "failed": failed, "removed": removed}


def _requeue_waiting(now: datetime) -> int:
    """Send again every step queued for longer than the grace period (its message may have died
    with the broker). The conditional UPDATE restarts its wait, so one message per grace period."""
    cutoff = now - timedelta(seconds=queued_grace())
    waiting = Q(status=states.QUEUED) & (Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
    sent = 0
    for step_id, attempt, step_queue in StepRun.objects.filter(waiting).values_list("pk", "attempt", "queue")[:BATCH]:
        mine = StepRun.objects.filter(waiting, pk=step_id, attempt=attempt)
        if mine.update(heartbeat_at=Now()) == 1:
            target = compute.queue_for(compute.target_of(step_queue))
            sent += queue.send(queue.EXECUTE_TASK, step_id, target)
    return sent


def _advance_idle_runs() -> int:
    """Advance every run that is not terminal and has no step queued or running: nothing else
    will (advance_run is idempotent under the run's row lock)."""
    # a running for-each node is no work in progress itself (runner.foreach): its items are
    active = StepRun.objects.filter(status__in=ACTIVE_STEP).exclude(foreach__gt="", item__isnull=True).values("run_id")
    idle = Run.objects.exclude(status__in=states.RUN_TERMINAL).exclude(pk__in=active)
    advanced = 0
    for run_id in idle.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        try:
            advance_run(run_id)
            advanced += 1
        except Exception:  # one broken run must not stop the repair of the others
            log.exception("sweep: advancing run %s failed", run_id)
    return advanced
