"""Advancing a run: in topological order, skip what cannot run, reuse what the cache holds, queue
the rest; finish the run when every step is done. Called under the run's row lock."""

from __future__ import annotations

import functools

from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from artifacts import store
from compiler.plan import Plan, Step
from runner import compute, events, queue, states
from runner.cachekeys import cache_key, input_hashes
from runner.models import CacheEntry, Run, StepRun
from runner.transitions import move_run, move_step, stamp


def plan_of(run: Run) -> Plan:
    """A run's plan, read and parsed once per worker process: a plan never changes after its run
    is created, and a big one costs more to decode than the rest of a step's bookkeeping."""
    return _cached_plan(run.pk, run.created_at.isoformat())


@functools.lru_cache(maxsize=64)
def _cached_plan(run_id: int, created_at: str) -> Plan:
    # the creation time is part of the key, so a run id reused (a database recreated) is a miss
    return Plan.from_json(Run.objects.values_list("plan", flat=True).get(pk=run_id))


def advance_run(run_id: int) -> str | None:
    """Move every ready step forward (cache hit, queue, skip) and finish the run when all are done."""
    with transaction.atomic():
        run = Run.objects.select_for_update().defer("plan").filter(pk=run_id).first()
        if run is None or run.status in states.RUN_TERMINAL:
            return run.status if run else None
        if run.status in (states.PENDING, states.QUEUED) and move_run(
            run.pk, states.RUNNING, started_at=timezone.now()
        ):
            events.publish_run(run.pk)
        plan = plan_of(run)
        by_node = {s.node: s for s in run.steps.all()}
        # one pass in topological order: a step cached or skipped here is seen by those after it
        for step in plan.steps:
            row = by_node[step.node]
            if row.status != states.PENDING:
                continue
            ups = [by_node[u].status for u in step.upstream]
            if any(s in states.STEP_DONE_BAD for s in ups):
                if move_step(
                    row.pk, states.SKIPPED, finished_at=timezone.now(), error="an upstream step did not succeed"
                ):
                    row.status = states.SKIPPED
                    events.publish_step(row.pk)
                continue
            if all(s in states.STEP_DONE_OK for s in ups):
                _ready(run, step, row, by_node)
        if all(s.status in states.STEP_TERMINAL for s in by_node.values()):
            statuses = {s.status for s in by_node.values()}
            if states.CANCELED in statuses:
                final = states.CANCELED
            elif statuses <= states.STEP_DONE_OK:
                final = states.SUCCEEDED
            else:
                final = states.FAILED
            failed = [s.node for s in by_node.values() if s.status == states.FAILED]
            error = f"step(s) failed: {', '.join(failed)}" if failed else ""
            if move_run(run.pk, final, finished_at=timezone.now(), error=error):
                events.publish_run(run.pk)
            return final
        return states.RUNNING


def _ready(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun]) -> None:
    """Handle one ready step: a cache hit or enqueue it.
    `by_node` holds the run's rows as read under the run's lock, kept current by the caller."""
    hashes = input_hashes(step, by_node)
    params = step.resolve_params(run.parameters)
    key = cache_key(step.digest, params, hashes) if step.deterministic else ""
    row.input_hashes, row.params, row.cache_key = hashes, params, key
    if key and run.use_cache and not row.force:
        # the run's team's cache only: another team's step is never reused, whatever its key
        entry = CacheEntry.objects.filter(team_id=run.team_id, cache_key=key).select_related("step_run").first()
        if entry is not None and all(store.exists(sha) for sha in entry.outputs.values()):
            now = timezone.now()
            origin = entry.step_run.reused_from_id or entry.step_run_id
            if move_step(
                row.pk,
                states.CACHED,
                cache_key=key,
                input_hashes=hashes,
                params=params,
                outputs=entry.outputs,
                metrics=entry.step_run.metrics,
                log_path=entry.step_run.log_path,
                reused_from_id=origin,
                started_at=now,
                finished_at=now,
                timings={"finished_at": stamp(now)},
            ):
                row.status = states.CACHED
                row.outputs = entry.outputs
                events.publish_step(row.pk)
            return
    step_queue = compute.queue_for(compute.target_for_team(run.team_id))  # the operator's policy
    # heartbeat_at of a queued step: since when it waits (the database's clock), read by the sweep
    queued = {"cache_key": key, "input_hashes": hashes, "params": params, "queue": step_queue, "heartbeat_at": Now()}
    timings = {"queued_at": stamp()}
    if move_step(row.pk, states.QUEUED, timings=timings, **queued):
        row.status, row.queue, row.timings = states.QUEUED, step_queue, timings
        events.publish_row(row)
        queue.enqueue_step(row.pk, step_queue)
