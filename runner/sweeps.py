"""Periodic repairs: attempts whose worker stopped beating are retried or failed; containers that
no running attempt owns are removed."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from runner import compute, installation, queue, states
from runner.advance import plan_of
from runner.execute import fail_attempt, heartbeat_timeout
from runner.models import StepRun

log = logging.getLogger(__name__)


def reap() -> dict[str, int]:
    """Retry or fail attempts whose heartbeat stopped; remove containers no attempt owns."""
    cutoff = timezone.now() - timedelta(seconds=heartbeat_timeout())
    stale = StepRun.objects.filter(status=states.RUNNING, heartbeat_at__lt=cutoff)
    retried = failed = removed = 0
    for row in stale.select_related("run").defer("run__plan"):
        step = plan_of(row.run).step(row.node)
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
        if row.container_name:
            _remove_container(row.queue, row.container_name)
    removed += _remove_orphans()
    return {"retried": retried, "failed": failed, "removed": removed}


def _remove_container(queue_name: str, name: str) -> None:
    """Remove a dead attempt's container (or process); an engine that is gone has nothing to remove."""
    try:
        compute.backend(compute.target_of(queue_name)).remove(name)
    except compute.ComputeUnavailable as exc:
        log.info("could not remove %s: %s", name, exc)


def _remove_orphans() -> int:
    """Remove this installation's step containers that no running attempt owns, on every compute
    target this worker reaches."""
    owned = set(StepRun.objects.filter(status=states.RUNNING).values_list("container_name", flat=True))
    removed = 0
    for target in compute.TARGETS:
        try:
            names = compute.backend(target).running_names(labels=installation.labels())
        except compute.ComputeUnavailable as exc:
            log.info("no orphan sweep on %s: %s", target, exc)
            continue
        for name in names:
            if name not in owned:
                _remove_container(compute.queue_for(target), name)
                removed += 1
    return removed
