"""Advancing a run: in topological order, skip what cannot run, reuse what the cache holds, queue
the rest; finish the run when every step is done. Called under the run's row lock."""

from __future__ import annotations

import contextlib
import csv
import functools
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from artifacts.backend import current
from compiler.conditions import evaluate
from compiler.plan import Plan, Step
from runner import compute, events, foreach, images, queue, signals, states
from runner.cachekeys import cache_key, input_hashes
from runner.models import CacheEntry, Run, StepRun
from runner.transitions import move_run, move_step, move_steps_cached, stamp


def plan_of(run: Run) -> Plan:
    """A run's plan, read and parsed once per worker process: a plan never changes after its run
    is created, and a big one costs more to decode than the rest of a step's bookkeeping."""
    return _cached_plan(run.pk, run.created_at.isoformat())


@functools.lru_cache(maxsize=64)
def _cached_plan(run_id: int, created_at: str) -> Plan:
    # the creation time is part of the key, so a run id reused (a database recreated) is a miss
    return Plan.from_json(Run.objects.values_list("plan", flat=True).get(pk=run_id))


def failed_summary(failed: list[StepRun]) -> str:
    """A failed run's error: its failed steps, and why the first of them failed."""
    if not failed:
        return ""
    names = ", ".join(s.node for s in failed)
    first = failed[0]
    if not first.error:
        return f"step(s) failed: {names}"
    return f"step(s) failed: {names} — {first.error if len(failed) == 1 else f'{first.node}: {first.error}'}"


_kept = threading.local()


@contextlib.contextmanager
def keeping_one(step_queue: str) -> Iterator[list[int]]:
    """Inside: the first step advance_run queues onto `step_queue` is not sent to the broker but
    handed to the caller (the list it yields), which runs it next on the same worker: a chain's
    next step starts without a round trip through the broker. The row is `queued` as any other,
    so if the caller dies before claiming it, the sweep sends it after its grace period."""
    _kept.queue, _kept.ids = step_queue, []
    try:
        yield _kept.ids
    finally:
        _kept.queue = None


def _send(step_id: int, step_queue: str) -> None:
    if getattr(_kept, "queue", None) == step_queue and not _kept.ids:
        _kept.ids.append(step_id)
    else:
        queue.enqueue_step(step_id, step_queue)


def advance_run(run_id: int, after: str | None = None) -> str | None:
    """Move every ready step forward (cache hit, queue, skip) and finish the run when all are done.
    Inside a caller's transaction it joins it (no savepoint); its events go out as one batch.
    `after`: the node whose outcome was just recorded, if the caller knows it."""
    with transaction.atomic(savepoint=False), events.batch(run_id):
        run = Run.objects.select_for_update().defer("plan").filter(pk=run_id).first()
        if run is None or run.status in states.RUN_TERMINAL:
            return run.status if run else None
        starting = run.status in (states.PENDING, states.QUEUED)
        if starting and move_run(run.pk, states.RUNNING, started_at=timezone.now()):
            events.publish_run(run.pk)
        plan = plan_of(run)
        # most steps of a wide run make nothing ready when they end (a fan-out's branches, before
        # the last): their statuses alone say so, without reading every step's whole row (a
        # chain's step always readies the next one, so it skips the look)
        quiet = not starting and not _readies_a_successor(plan, after)
        if quiet and _idle(plan, dict(run.steps.values_list("node", "status"))):
            return states.RUNNING
        by_node = {s.node: s for s in run.steps.all()}
        # the run's first pass may reuse many steps at once (a rerun, an unchanged pipeline): the
        # entries its predecessor's keys name are read in one query, and the hits move together
        # (a run that does not use the cache reads none)
        hits = _Hits(_likely_entries(run) if starting and run.use_cache and len(by_node) > 1 else {})
        settled = _pass(run, plan, by_node, hits)
        if not settled and any(s.exit for s in plan.steps) and _ordinary_settled(plan, by_node):
            _pass(run, plan, by_node, hits)  # the last ordinary step finished in this pass: the exit steps go now
        hits.move()
        if all(s.status in states.STEP_TERMINAL for s in by_node.values()):
            statuses = {s.status for s in by_node.values()}
            # a step skipped by its condition (or after one) does not fail the run; a step skipped
            # after a failure comes with that failed step
            if states.CANCELED in statuses:
                final = states.CANCELED
            elif states.FAILED in statuses:
                final = states.FAILED
            else:
                final = states.SUCCEEDED
            failed = [by_node[s.node] for s in plan.steps if by_node[s.node].status == states.FAILED]
            error = failed_summary(failed)
            if move_run(run.pk, final, finished_at=timezone.now(), error=error):
                events.publish_run(run.pk)
                run_id = run.pk
                transaction.on_commit(lambda: signals.send_run_finished(run_id))
            return final
        return states.RUNNING


def _readies_a_successor(plan: Plan, after: str | None) -> bool:
    """Whether the end of `after` surely left work for the pass: a step it alone feeds."""
    return after is not None and any(s.upstream == (after,) for s in plan.steps)


def _idle(plan: Plan, statuses: dict[str, str]) -> bool:
    """Whether a pass over these statuses would move nothing and leave the run unfinished: no
    pending step has its upstream settled (for an exit step, every ordinary step too) and no
    for-each node is running. The same rules as `_pass`, on the statuses alone."""
    if all(s in states.STEP_TERMINAL for s in statuses.values()):
        return False  # the run finishes
    settled = all(statuses[s.node] in states.STEP_TERMINAL for s in plan.steps if not s.exit)
    for step in plan.steps:
        status = statuses[step.node]
        if step.foreach is not None and status == states.RUNNING:
            return False
        if status != states.PENDING:
            continue
        upstream = [statuses[u] for u in step.upstream]
        if step.exit:
            if settled and all(u in states.STEP_TERMINAL for u in upstream):
                return False
        elif any(u in states.STEP_DONE_BAD for u in upstream) or all(u in states.STEP_DONE_OK for u in upstream):
            return False
    return True


def _likely_entries(run: Run) -> dict[str, CacheEntry]:
    """The team's cache entries for the keys of the run this one most likely repeats (its parent,
    else the newest other run of its pipeline), in one query: a hint, checked key by key."""
    if run.parent_id is not None:
        previous: Any = [run.parent_id]
    else:
        previous = Run.objects.filter(pipeline_id=run.pipeline_id).exclude(pk=run.pk).order_by("-id").values("pk")[:1]
    keys = StepRun.objects.filter(run_id__in=previous).exclude(cache_key="").values("cache_key")
    entries = CacheEntry.objects.filter(team_id=run.team_id, cache_key__in=keys).select_related("step_run__reused_from")
    return {e.cache_key: e for e in entries}


class _Hits:
    """Cache hits of one pass: found through the hint (or one query each), moved to `cached` by
    one UPDATE at the end of the pass, still under the run's lock, and published as moved."""

    def __init__(self, likely: dict[str, CacheEntry]) -> None:
        self.likely = likely
        self.rows: list[tuple[StepRun, dict[str, Any]]] = []

    def entry(self, run: Run, step: Step, key: str) -> CacheEntry | None:
        entry = self.likely.get(key)
        if entry is None:
            # the run's team's cache only: another team's step is never reused, whatever its key
            entry = (
                CacheEntry.objects.filter(team_id=run.team_id, cache_key=key)
                .select_related("step_run__reused_from")
                .first()
            )
        max_age = step.runtime.cache_max_age
        if entry is not None and max_age is not None and entry.created_at < timezone.now() - timedelta(seconds=max_age):
            return None
        return entry

    def add(self, row: StepRun, fields: dict[str, Any]) -> None:
        self.rows.append((row, fields))

    def move(self) -> None:
        if not self.rows:
            return
        moved = move_steps_cached([(row.pk, fields) for row, fields in self.rows])
        for row, _ in self.rows:
            if row.pk in moved:
                events.publish_row(row)
            else:  # moved meanwhile (e.g. canceled): the pass's view follows the database
                row.status = StepRun.objects.values_list("status", flat=True).get(pk=row.pk)
        self.rows = []


def _ordinary_settled(plan: Plan, by_node: dict[str, StepRun]) -> bool:
    return all(by_node[s.node].status in states.STEP_TERMINAL for s in plan.steps if not s.exit)


def _pass(run: Run, plan: Plan, by_node: dict[str, StepRun], hits: _Hits) -> bool:
    """One pass in topological order (a step cached or skipped here is seen by those after it).
    Exit steps wait until every ordinary step has finished, whatever its outcome; returns whether
    that was so when the pass began."""
    settled = _ordinary_settled(plan, by_node)
    for step in plan.steps:
        row = by_node[step.node]
        if step.foreach is not None and row.status == states.RUNNING:
            _feed(run, step, row, by_node, hits)
            continue
        if row.status != states.PENDING or (step.exit and not settled):
            continue
        if step.exit:
            if all(by_node[u].status in states.STEP_TERMINAL for u in step.upstream):
                reason = _exit_blocked(step, by_node) or _condition_fails(run, step, by_node)
                if reason:
                    _skip(row, reason)
                else:
                    _ready(run, step, row, by_node, hits)
            continue
        bad = [u for u in step.upstream if by_node[u].status in states.STEP_DONE_BAD]
        if bad:
            _skip(row, _upstream_reason(bad[0], by_node[bad[0]].status))
            continue
        if all(by_node[u].status in states.STEP_DONE_OK for u in step.upstream):
            reason = _condition_fails(run, step, by_node)
            if reason:
                _skip(row, reason)
            elif step.foreach is not None:
                _expand(run, step, row, by_node, hits)
            else:
                _ready(run, step, row, by_node, hits)
    return settled


# -- for each (runner.foreach) --------------------------------------------------------------------
# The rows of a table or the files of a folder are split, and any for-each's outputs gathered, by a
# task of their own (FOREACH_TASK, on the control queue) outside the run's lock: a thousand rows
# take seconds, and the run's other steps record their outcomes meanwhile. A list or a grid is
# expanded in the pass. A message lost on the way is sent again by a later pass (the sweep
# advances a run whose only open row is such a node) once FOREACH_RESEND seconds have passed.
FOREACH_RESEND = 120.0
SPLIT_KINDS = ("rows", "files")


def _expand(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun], hits: _Hits) -> None:
    """A ready for-each node: `running`, and its items' rows made in one INSERT (a list or grid
    now, rows and files by FOREACH_TASK), the first items queued. Items it cannot work out fail
    the node, saying why."""
    assert step.foreach is not None
    hashes = input_hashes(step, by_node)
    params = step.resolve_params(run.parameters)
    now = timezone.now()
    split = step.foreach.over in SPLIT_KINDS
    values: list[dict[str, Any]] = []
    if not split:
        try:
            values = foreach.items_of(run, step, hashes)
        except foreach.ExpandError as exc:
            move_step(row.pk, states.QUEUED, input_hashes=hashes, params=params)
            _fail_node(row, f"for each: the items could not be worked out: {exc}")
            return
    timings = {"queued_at": stamp(now), "claimed_at": stamp(now)}
    if split:
        timings["split_sent_at"] = stamp(now)
    move_step(row.pk, states.QUEUED, input_hashes=hashes, params=params)
    if not move_step(row.pk, states.RUNNING, started_at=now, timings=timings):
        return
    row.status, row.started_at, row.timings, row.input_hashes, row.params = (
        states.RUNNING,
        now,
        timings,
        hashes,
        params,
    )
    events.publish_row(row)
    if split:
        queue.enqueue_foreach(run.pk, step.node, "split")
        return
    _add_items(run, step, row, values, by_node)
    _feed(run, step, row, by_node, hits)


def _add_items(run: Run, step: Step, row: StepRun, values: list[dict[str, Any]], by_node: dict[str, StepRun]) -> None:
    rows = StepRun.objects.bulk_create(foreach.item_rows(run, step, values, force=row.force))
    events.publish(run.pk, {"type": "foreach", "node": step.node, "items": len(rows)})
    for r in rows:
        by_node[r.node] = r


def _fail_node(row: StepRun, error: str) -> None:
    now = timezone.now()
    if move_step(row.pk, states.FAILED, finished_at=now, error=error):
        row.status, row.error, row.finished_at = states.FAILED, error, now
        events.publish_row(row)


def _sent_long_ago(row: StepRun, point: str) -> bool:
    """Whether FOREACH_TASK's message for `point` (split_sent_at, gather_sent_at) was never sent,
    or long enough ago that it may have been lost; if so, the caller sends it (again), stamped."""
    sent = row.timings.get(point)
    if sent and (timezone.now() - datetime.fromisoformat(sent)).total_seconds() < FOREACH_RESEND:
        return False
    row.timings = {**row.timings, point: stamp()}
    StepRun.objects.filter(pk=row.pk).update(timings=row.timings)
    return True


def _feed(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun], hits: _Hits) -> None:
    """A running for-each node: queue pending items while fewer than `concurrency` are queued or
    running (a cache hit does not count); have them gathered when all have succeeded; fail on a
    bad one."""
    assert step.foreach is not None
    if "expanded_at" not in row.timings and step.foreach.over in SPLIT_KINDS:
        if _sent_long_ago(row, "split_sent_at"):  # its split's message may have been lost
            queue.enqueue_foreach(run.pk, step.node, "split")
        return
    if step.body:
        _feed_body(run, step, row, by_node, hits)
        return
    items = sorted(
        (r for r in by_node.values() if r.foreach == step.node and r.item is not None), key=lambda r: r.item or 0
    )
    now = timezone.now()
    bad = next((r for r in items if r.status in states.STEP_DONE_BAD), None)
    if bad is not None:
        shown = foreach.describe(bad.item_value)
        error = f"item {bad.item}{f' ({shown})' if shown else ''} {bad.status}" + (
            f": {bad.error}" if bad.error else ""
        )
        reason = f"for-each '{step.node}' stopped: item {bad.item} {bad.status}"
        pending = [r for r in items if r.status == states.PENDING]
        if pending:
            # one UPDATE for the items not started, however many
            StepRun.objects.filter(pk__in=[r.pk for r in pending], status=states.PENDING).update(
                status=states.SKIPPED, finished_at=now, error=reason
            )
            for r in pending:
                r.status, r.finished_at, r.error = states.SKIPPED, now, reason
            events.publish(run.pk, {"type": "foreach", "node": step.node, "skipped": len(pending)})
        _fail_node(row, error)
        return
    free = step.foreach.concurrency - sum(r.status in (states.QUEUED, states.RUNNING) for r in items)
    for r in items:
        if free <= 0:
            break
        if r.status != states.PENDING:
            continue
        _ready(run, foreach.item_step(step, r.node, r.item_value or {}), r, by_node, hits)
        if r.status != states.CACHED:
            free -= 1
    if all(r.status in states.STEP_DONE_OK for r in items) and _sent_long_ago(row, "gather_sent_at"):
        queue.enqueue_foreach(run.pk, step.node, "gather")


def foreach_work(run_id: int, node: str, what: str) -> str | None:
    """FOREACH_TASK: split a for-each node's input into its items (`split`) or gather its items'
    outputs (`gather`), outside the run's lock; then, under it, add the items or finish the node
    if it still waits for that, and advance the run. Idempotent: a second message finds it done."""
    run = Run.objects.defer("plan").filter(pk=run_id).first()
    if run is None or run.status in states.RUN_TERMINAL:
        return None
    step = plan_of(run).step(node)
    row = StepRun.objects.filter(run_id=run_id, node=node).first()
    if row is None or row.status != states.RUNNING or step.foreach is None:
        return None
    items = StepRun.objects.filter(run_id=run_id, foreach=node, item__isnull=False)
    if what == "split":
        if "expanded_at" in row.timings:
            return None
        try:
            values, error = foreach.items_of(run, step, row.input_hashes), ""
        except (foreach.ExpandError, OSError, UnicodeDecodeError, csv.Error) as exc:
            values, error = [], f"for each: the items could not be worked out: {exc}"
        with transaction.atomic(), events.batch(run_id):
            Run.objects.select_for_update().filter(pk=run_id).values_list("pk", flat=True).first()
            row = StepRun.objects.get(pk=row.pk)
            if row.status != states.RUNNING or "expanded_at" in row.timings:
                return None
            if error:
                _fail_node(row, error)
            else:
                _add_items(run, step, row, values, {})
                row.timings = {**row.timings, "expanded_at": stamp()}
                StepRun.objects.filter(pk=row.pk).update(timings=row.timings)
    else:
        done = list(items.order_by("item", "id"))
        if not all(r.status in states.STEP_DONE_OK for r in done):
            return None
        if step.body:  # over a sub-pipeline: one summary per item of its inner steps' rows
            done = foreach.item_summaries(step, foreach.by_item(done))
        outputs, metrics = foreach.gather(step, done)
        with transaction.atomic(), events.batch(run_id):
            Run.objects.select_for_update().filter(pk=run_id).values_list("pk", flat=True).first()
            now = timezone.now()
            finished = {"finished_at": now, "outputs": outputs, "metrics": metrics}
            timings = {**row.timings, "finished_at": stamp(now)}
            if move_step(row.pk, states.SUCCEEDED, extra=Q(status=states.RUNNING), timings=timings, **finished):
                row.status, row.finished_at, row.outputs, row.metrics = states.SUCCEEDED, now, outputs, metrics
                row.timings = timings
                events.publish_row(row)
    return advance_run(run_id)


def _feed_body(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun], hits: _Hits) -> None:
    """`_feed` for a for-each over a sub-pipeline: an item is its inner steps' rows, each made
    ready once its inner upstream steps are done well; at most `concurrency` items in progress
    (started, not finished); gathered when every item's rows are done well; a bad row fails the
    node, naming item and step, and every row not started is skipped."""
    assert step.foreach is not None
    items = foreach.by_item(r for r in by_node.values() if r.foreach == step.node and r.item is not None)
    now = timezone.now()
    bad = next(
        (r for rows in items.values() for r in rows.values() if r.status in (states.FAILED, states.CANCELED)), None
    ) or next((r for rows in items.values() for r in rows.values() if r.status == states.SKIPPED), None)
    if bad is not None:
        assert bad.item is not None
        shown = foreach.describe(bad.item_value)
        error = f"item {bad.item}{f' ({shown})' if shown else ''} {bad.status}: step '{bad.node}' {bad.status}" + (
            f": {bad.error}" if bad.error else ""
        )
        _stop_body(run, step, items, bad, now)
        _fail_node(row, error)
        return

    def started(rows: dict[str, StepRun]) -> bool:
        return any(r.status != states.PENDING for r in rows.values())

    def finished(rows: dict[str, StepRun]) -> bool:
        return all(r.status in states.STEP_TERMINAL for r in rows.values())

    free = step.foreach.concurrency - sum(started(rows) and not finished(rows) for rows in items.values())
    for item, rows in items.items():
        if finished(rows):
            continue
        fresh = not started(rows)
        if fresh and free <= 0:
            break
        value = next(iter(rows.values())).item_value or {}
        for inner in step.body:  # topological order: a step cached here is seen by those after it
            r = rows[inner.node]
            if r.status == states.PENDING and all(rows[u].status in states.STEP_DONE_OK for u in inner.upstream):
                _ready(run, foreach.body_step(step, item, inner.node, value), r, by_node, hits)
        if fresh and not finished(rows):
            free -= 1
    done = all(r.status in states.STEP_DONE_OK for rows in items.values() for r in rows.values())
    if done and _sent_long_ago(row, "gather_sent_at"):
        queue.enqueue_foreach(run.pk, step.node, "gather")


def _stop_body(run: Run, step: Step, items: dict[int, dict[str, StepRun]], bad: StepRun, now: Any) -> None:
    """After `bad`: every row not started is skipped, one UPDATE per reason: an inner step of
    the bad one's item after a bad (or now skipped) inner step naming that step, the rest the item."""
    assert bad.item is not None
    stopped = f"for-each '{step.node}' stopped: item {bad.item} {bad.status}"
    reasons: dict[str, list[StepRun]] = {}
    for item, rows in items.items():
        skipping: set[str] = set()
        for inner in step.body:
            r = rows[inner.node]
            if r.status != states.PENDING:
                continue
            reason = stopped
            for u in inner.upstream if item == bad.item else ():
                if rows[u].status in states.STEP_DONE_BAD or u in skipping:
                    status = rows[u].status if u not in skipping else states.SKIPPED
                    reason = _upstream_reason(rows[u].node, status)
                    break
            skipping.add(inner.node)
            reasons.setdefault(reason, []).append(r)
    for reason, pending in reasons.items():
        StepRun.objects.filter(pk__in=[r.pk for r in pending], status=states.PENDING).update(
            status=states.SKIPPED, finished_at=now, error=reason
        )
        for r in pending:
            r.status, r.finished_at, r.error = states.SKIPPED, now, reason
    skipped = sum(len(p) for p in reasons.values())
    if skipped:
        events.publish(run.pk, {"type": "foreach", "node": step.node, "skipped": skipped})


def _skip(row: StepRun, reason: str) -> None:
    skipped = {"finished_at": timezone.now(), "error": reason}
    if move_step(row.pk, states.SKIPPED, **skipped):
        row.status, row.finished_at, row.error = states.SKIPPED, skipped["finished_at"], reason
        events.publish_row(row)


def _upstream_reason(node: str, status: str) -> str:
    return f"upstream step '{node}' {'was ' if status != states.FAILED else ''}{status}"


def _condition_fails(run: Run, step: Step, by_node: dict[str, StepRun]) -> str:
    """Why the step's condition does not hold for this run ("" when it holds or there is none)."""
    cond = step.condition
    if cond is None:
        return ""
    metrics = by_node[cond.node].metrics if cond.node is not None and cond.node in by_node else {}
    holds, why = evaluate(cond, run.parameters, metrics if isinstance(metrics, dict) else {})
    return "" if holds else f"condition {cond.text} does not hold: {why}"


def _exit_blocked(step: Step, by_node: dict[str, StepRun]) -> str:
    """Why an exit step cannot run: an input whose upstream step produced nothing ("" when none)."""
    for b in step.inputs:
        if b.source_node is not None and by_node[b.source_node].status not in states.STEP_DONE_OK:
            status = by_node[b.source_node].status
            return f"input '{b.port}' has no data: {_upstream_reason(b.source_node, status)}"
    return ""


def run_outcome(plan: Plan, statuses: dict[str, str]) -> str:
    """What an exit step is told of the run (PIPEWRIGHT_RUN_OUTCOME): `failed` when an ordinary
    step failed, `canceled` when one was canceled, else `succeeded`."""
    ordinary = {statuses.get(s.node, "") for s in plan.steps if not s.exit}
    if states.FAILED in ordinary:
        return states.FAILED
    if states.CANCELED in ordinary:
        return states.CANCELED
    return states.SUCCEEDED


def _ready(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun], hits: _Hits) -> None:
    """Handle one ready step: a cache hit or enqueue it.
    `by_node` holds the run's rows as read under the run's lock, kept current by the caller."""
    hashes = input_hashes(step, by_node)
    params = step.resolve_params(run.parameters)
    target = compute.target_for_team(run.team_id)  # the operator's policy
    # the image's content digest, not its tag (runner.images); unresolved: no key, no reuse
    image_id = images.image_id(target, step.runtime.image) if step.deterministic else ""
    reusable = step.deterministic and not step.exit  # an exit step acts on the run's end: never reused
    key = cache_key(step.digest, params, hashes, image_id) if reusable and image_id is not None else ""
    row.input_hashes, row.params, row.cache_key, row.image_id = hashes, params, key, image_id or ""
    if key and run.use_cache and not row.force and step.runtime.cache:
        entry = hits.entry(run, step, key)
        if entry is not None and all(current().exists(sha) for sha in entry.outputs.values()):
            now = timezone.now()
            fields = {
                "cache_key": key,
                "input_hashes": hashes,
                "params": params,
                "image_id": image_id or "",
                "outputs": entry.outputs,
                "metrics": entry.step_run.metrics,
                "log_path": entry.step_run.log_path,
                "reused_from_id": entry.step_run.reused_from_id or entry.step_run_id,  # the origin
                "started_at": now,
                "finished_at": now,
                "timings": {"finished_at": stamp(now)},
            }
            # the row as it will be: later steps of this pass read its status and outputs
            row.status, row.outputs, row.metrics = states.CACHED, entry.outputs, entry.step_run.metrics
            row.log_path, row.started_at, row.finished_at = entry.step_run.log_path, now, now
            row.reused_from = entry.step_run.reused_from or entry.step_run
            row.timings = fields["timings"]
            hits.add(row, fields)
            return
    step_queue = compute.queue_for(target)
    # heartbeat_at of a queued step: since when it waits (the database's clock), read by the sweep;
    # a step with the same key already in flight is found by the worker that picks this one up
    # (runner.inflight), under the one claim per (team, key), not here under the run's lock
    queued = {"cache_key": key, "input_hashes": hashes, "params": params, "queue": step_queue, "heartbeat_at": Now()}
    queued["image_id"] = image_id or ""
    timings = {"queued_at": stamp()}
    if move_step(row.pk, states.QUEUED, timings=timings, **queued):
        row.status, row.queue, row.timings = states.QUEUED, step_queue, timings
        events.publish_row(row)
        _send(row.pk, step_queue)
