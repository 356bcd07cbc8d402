"""In-flight reuse: a step whose cache key a step of the same team is already executing (queued
or running, in this run or another) waits for that step, its leader, and reuses its outputs
instead of executing.

The decision is taken by the worker that picks a queued step up (`decide`, in the same
transaction as its claim), not when the step becomes ready: the ready step is enqueued as usual,
and one `InFlight` row per (team, cache key), unique, says who leads. Inserting it is the claim
(`INSERT ... ON CONFLICT DO NOTHING`: of two workers, exactly one inserts); the other locks the
row (`SELECT ... FOR UPDATE`) and, while its leader is queued or running, records the leader in
`StepRun.following` and leaves its step queued. Every transaction touches one claim row, so
claims never deadlock.

When the leader succeeds (`settle`, in the transaction recording its success) it writes the cache
entry, deletes its claim (waiting for any follower holding the row's lock, so every follower that
registered is seen) and moves each waiting follower to `cached` with its outputs; their runs are
advanced. When the leader fails for good or is canceled (`release`), its followers execute
themselves: they are sent to their queue again, where one claims the key and the others follow it
(the leader's failure need not be theirs: a lost worker, a timeout under other settings).

Nothing is left waiting forever: a follower stays `queued`, so the sweep sends it again after
`PIPEWRIGHT_QUEUED_GRACE`; `decide` then finds the claim stale (its leader canceled, failed or
gone: no longer queued or running) and takes it over, or finds the leader's cache entry and
reuses it.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone

from compiler.plan import Step
from runner import compute, events, queue, states
from runner.models import CacheEntry, InFlight, Run, StepRun
from runner.transitions import move_step

log = logging.getLogger(__name__)

LEAD = "lead"  # execute it (this step holds the claim, or needs none)
FOLLOW = "follow"  # wait for the leader; the step stays queued
REUSED = "reused"  # the key's cache entry appeared meanwhile: the step is cached now

ACTIVE = (states.QUEUED, states.RUNNING)


def reusable(run: Run, step: Step, row: StepRun) -> bool:
    """Whether this step may take another step's outputs at all (the same rule as the cache)."""
    return bool(row.cache_key) and run.use_cache and not row.force and step.runtime.cache


def cache_entry(team_id: int, key: str, max_age: int | None) -> CacheEntry | None:
    entries = CacheEntry.objects.filter(team_id=team_id, cache_key=key)
    if max_age is not None:
        entries = entries.filter(created_at__gte=timezone.now() - timedelta(seconds=max_age))
    return entries.select_related("step_run").first()


def _insert_claim(team_id: int, key: str, step_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {InFlight._meta.db_table} (team_id, cache_key, leader_id, created_at)"
            " VALUES (%s, %s, %s, now()) ON CONFLICT DO NOTHING RETURNING id",
            [team_id, key, step_id],
        )
        return cursor.fetchone() is not None


def decide(run: Run, step: Step, row: StepRun) -> str:
    """For a queued step about to be claimed: lead (execute it), follow a step in flight, or
    reuse a cache entry that appeared since the step became ready. Runs inside the caller's
    transaction, before its claim."""
    if row.status != states.QUEUED or not reusable(run, step, row):
        return LEAD
    team_id, key = run.team_id, row.cache_key
    with transaction.atomic():
        for _ in range(3):
            entry = cache_entry(team_id, key, step.runtime.cache_max_age)
            if entry is not None:
                return REUSED if _reuse(row, entry.step_run, entry.outputs) else LEAD
            if _insert_claim(team_id, key, row.pk):
                # the insert may have waited for a leader's claim being deleted: its entry is there now
                entry = cache_entry(team_id, key, step.runtime.cache_max_age)
                if entry is not None:
                    InFlight.objects.filter(leader_id=row.pk).delete()
                    return REUSED if _reuse(row, entry.step_run, entry.outputs) else LEAD
                _set_following(row, None)
                return LEAD
            claim = InFlight.objects.select_for_update().filter(team_id=team_id, cache_key=key).first()
            if claim is None:
                continue  # its leader just finished (look for its entry) or gave up: try again
            if claim.leader_id == row.pk:
                return LEAD
            if StepRun.objects.filter(pk=claim.leader_id, status__in=ACTIVE).exists():
                if _set_following(row, claim.leader_id):
                    events.publish_step(row.pk)
                    return FOLLOW
                return LEAD  # no longer queued: the claim in runner.execute decides
            # a stale claim: its leader is no longer queued or running (canceled, failed, gone)
            claim.leader_id = row.pk
            claim.save(update_fields=["leader"])
            _set_following(row, None)
            return LEAD
    return LEAD


def _set_following(row: StepRun, leader_id: int | None) -> bool:
    qs = StepRun.objects.filter(pk=row.pk, status=states.QUEUED)
    if leader_id is None:
        qs = qs.exclude(following__isnull=True)
        return qs.update(following_id=None) == 1
    return qs.update(following_id=leader_id, heartbeat_at=Now()) == 1


def _reuse(row: StepRun, origin: StepRun, outputs: dict[str, str], *, following: int | None = None) -> bool:
    """Move a queued step to cached with `origin`'s outputs; its run is advanced after commit."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "outputs": outputs,
        "metrics": origin.metrics,
        "log_path": origin.log_path,
        "reused_from_id": origin.reused_from_id or origin.pk,
        "started_at": now,
        "finished_at": now,
        "worker_id": "",
    }
    if following is not None:
        fields["following_id"] = following
    if not move_step(row.pk, states.CACHED, **fields):
        return False
    events.publish_step(row.pk)
    queue.enqueue_advance(row.run_id)
    return True


def settle(row: StepRun, step: Step, outputs: dict[str, str], metrics: dict[str, Any]) -> None:
    """A succeeded step (inside the transaction recording it): fill the team's cache entry, end
    its claim and hand its outputs to every step that waited for it."""
    team_id = row.run.team_id
    if not row.cache_key:
        return
    fields = {
        "node": row.node,
        "module": row.module,
        "step_run_id": row.pk,
        "outputs": outputs,
        "module_digest": step.digest,
        "image": step.runtime.image,
        "image_id": row.image_id,
        "params": row.params,
        "input_hashes": row.input_hashes,
    }
    # the team's first step to produce a key owns the team's entry, and the step's claim ends: one
    # statement (a chain step's record waits for each round trip; its event waits for the record)
    _entry_and_claim_end(team_id, row.cache_key, fields)
    if step.runtime.cache_max_age is not None:
        # ... unless the entry is older than this step's maximum age, which just made a fresh one
        old = timezone.now() - timedelta(seconds=step.runtime.cache_max_age)
        CacheEntry.objects.filter(team_id=team_id, cache_key=row.cache_key, created_at__lt=old).update(
            created_at=Now(), **fields
        )
    row.outputs, row.metrics = outputs, metrics
    # a statement of its own, after the claim's end: that DELETE waits for a follower holding the
    # claim's lock, and this read's snapshot then sees it following
    with connection.cursor() as cursor:
        cursor.execute(_FOLLOWERS_SQL, [row.pk, states.QUEUED])
        followers = cursor.fetchall()
    for pk, run_id in followers:
        _reuse(StepRun(pk=pk, run_id=run_id), row, outputs)


_JSON_FIELDS = ("outputs", "params", "input_hashes")
_ENTRY_FIELDS = ("node", "module", "step_run_id", "outputs", "module_digest", "image", "image_id", "params",
                 "input_hashes")  # fmt: skip
_ENTRY_SQL = (
    f'WITH gone AS (DELETE FROM "{InFlight._meta.db_table}" WHERE "leader_id" = %s) '
    f'INSERT INTO "{CacheEntry._meta.db_table}" ("team_id", "cache_key", '
    + ", ".join(f'"{CacheEntry._meta.get_field(f).column}"' for f in _ENTRY_FIELDS)
    + ', "created_at") VALUES (%s, %s, '
    + ", ".join("%s::jsonb" if f in _JSON_FIELDS else "%s" for f in _ENTRY_FIELDS)
    + ", %s) ON CONFLICT DO NOTHING"
)
_FOLLOWERS_SQL = (
    f'SELECT "id", "run_id" FROM "{StepRun._meta.db_table}" WHERE "following_id" = %s AND "status" = %s'
    ' ORDER BY "run_id", "id"'
)


def _entry_and_claim_end(team_id: int, cache_key: str, fields: dict[str, Any]) -> None:
    """The team's cache entry for the key unless it has one (INSERT ... ON CONFLICT DO NOTHING, as
    `bulk_create(ignore_conflicts=True)`), and the leader's claim deleted, in one statement."""
    values = [json.dumps(fields[f]) if f in _JSON_FIELDS else fields[f] for f in _ENTRY_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_ENTRY_SQL, [fields["step_run_id"], team_id, cache_key, *values, timezone.now()])


def release(step_id: int) -> int:
    """A step that failed for good: end its claim; its followers execute themselves (sent to
    their queue again, where the first claims the key and the others follow it)."""
    return release_many([step_id])


def release_many(step_ids: list[int]) -> int:
    """`release` for many steps at once (a canceled run's), in two statements when nothing
    followed them; returns how many followers were sent again."""
    InFlight.objects.filter(leader_id__in=step_ids).delete()
    freed = 0
    followers = StepRun.objects.filter(following_id__in=step_ids, status=states.QUEUED).values_list("pk", "queue")
    for pk, step_queue in followers:
        if StepRun.objects.filter(pk=pk, status=states.QUEUED).update(following_id=None, heartbeat_at=Now()) == 1:
            queue.enqueue_step(pk, compute.queue_for(compute.target_of(step_queue)))
            freed += 1
    return freed
