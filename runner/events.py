"""Run events: numbered per run (Run.event_seq), stored (RunEvent) and sent to group "run-<id>"."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from runner.foreach import inner_of, rollup
from runner.models import Run, RunEvent, StepRun
from runner.serializers import RunEventSerializer, StepSerializer, artifact_info

log = logging.getLogger(__name__)


def group(run_id: int) -> str:
    return f"run-{run_id}"


_batches = threading.local()


@contextlib.contextmanager
def batch(run_id: int) -> Iterator[None]:
    """Inside a transaction: the run's events published meanwhile are numbered, stored and
    rendered together when the block ends (one counter update, one INSERT, one artifact read),
    in the order they were published (a step from a copy of its row as it was then)."""
    if getattr(_batches, "run_id", None) is not None or not connection.in_atomic_block:
        yield  # already batching (one batch), or no transaction to batch in
        return
    _batches.run_id, _batches.items = run_id, []
    sent: list[dict[str, Any]] = []
    # registered first: the events go out before what the block enqueues after commit
    transaction.on_commit(lambda: _send(run_id, sent))
    try:
        yield
        items = _batches.items
    finally:
        _batches.run_id, _batches.items = None, []
    if items:
        sent += _flush(run_id, items)


# a batched event: a step row (a copy, rendered at the flush) with its artifacts' info, or an event
_Item = tuple[StepRun | None, dict[str, Any] | None]


def _flush(run_id: int, items: list[_Item]) -> list[dict[str, Any]]:
    steps = [(step, i) for step, i in items if step is not None]
    infos = artifact_info([sha for step, i in steps if i is None for sha in step.outputs.values()])
    for _, i in steps:
        infos.update(i or {})
    # inner steps of for-each items over a sub-pipeline: their items' statuses read in one query
    inner = [step for step, _ in items if step is not None and step.item is not None and inner_of(step.node)]
    rolled: dict[tuple[str, int], list[str]] = {}
    if inner:
        found = StepRun.objects.filter(
            run_id=run_id, foreach__in={s.foreach for s in inner}, item__in={s.item for s in inner}
        ).values_list("foreach", "item", "status")
        for node, item, status in found:
            rolled.setdefault((node, item), []).append(status)
    docs = []
    for step, event in items:
        if step is not None and step.item is not None:
            event = item_event(step, rolled.get((step.foreach, step.item or 0)))
        elif step is not None:
            event = {"type": "step", "node": step.node, "status": step.status}
            event["step"] = StepSerializer.render(step, infos)
        docs.append(event or {})
    return _store(run_id, docs)


def publish(run_id: int, event: dict[str, Any]) -> int:
    """Number, store and (after commit) broadcast one event; returns its seq."""
    if getattr(_batches, "run_id", None) == run_id:  # numbered with the batch, in order
        _batches.items.append((None, event))
        return 0
    # no savepoint inside the caller's transaction (two round trips per event): a failure here
    # fails the caller's transaction as a whole anyway
    with transaction.atomic(savepoint=False):
        [data] = _store(run_id, [event])
        transaction.on_commit(lambda: _send(run_id, [data]))
    return int(data["seq"])


def _store(run_id: int, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number `docs` after the run's last event and store them, in one statement: the run's
    counter is raised by their count (UPDATE ... RETURNING; the row lock it takes orders
    concurrent publishers) and the rows inserted from it. Returns them as stored (with seq and
    run_id), in order."""
    run_table = connection.ops.quote_name(Run._meta.db_table)
    event_table = connection.ops.quote_name(RunEvent._meta.db_table)
    n = len(docs)
    sql = (
        f"WITH s AS (UPDATE {run_table} SET event_seq = event_seq + %s::int WHERE id = %s::bigint RETURNING event_seq) "
        f"INSERT INTO {event_table} (run_id, seq, data, created_at) "
        "SELECT %s::bigint, s.event_seq - %s::int + e.i::int,"
        " e.d || jsonb_build_object('seq', s.event_seq - %s::int + e.i::int, 'run_id', %s::bigint), %s::timestamptz"
        " FROM s, unnest(%s::jsonb[]) WITH ORDINALITY AS e(d, i) RETURNING seq"
    )
    params = [n, run_id, run_id, n, n, run_id, timezone.now(), [json.dumps(d) for d in docs]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        seqs = sorted(int(row[0]) for row in cursor.fetchall())
    if len(seqs) != n:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    return [dict(d, seq=seq, run_id=run_id) for d, seq in zip(docs, seqs, strict=True)]


class _Sender:
    """One background event loop per process that owns the channel layer's Redis connections and
    sends in order, so a publish costs a queue put instead of a new event loop and connection."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[tuple[str, dict[str, Any], Future[None]]] | None = None
        self.lock = threading.Lock()
        self.pid = 0

    def _ensure(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]:
        with self.lock:
            if self.loop is None or self.queue is None or self.pid != os.getpid():
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue[Any] = asyncio.Queue()
                threading.Thread(target=loop.run_forever, name="run-events", daemon=True).start()
                asyncio.run_coroutine_threadsafe(self._pump(queue), loop)
                self.loop, self.queue, self.pid = loop, queue, os.getpid()
            return self.loop, self.queue

    @staticmethod
    async def _pump(queue: asyncio.Queue[Any]) -> None:
        while True:
            items = [await queue.get()]
            while not queue.empty():  # what queued meanwhile goes out with it
                items.append(queue.get_nowait())
            for group_name, docs, done in _by_group(items):
                try:
                    layer = get_channel_layer()
                    if layer is not None and group_name:
                        await layer.group_send(group_name, message_of(docs))
                except Exception:  # a broadcast failure never fails the run; clients resume from the table
                    log.warning("could not send a run event to the channel layer", exc_info=True)
                finally:
                    for future in done:
                        future.set_result(None)

    def send(self, group_name: str, docs: list[dict[str, Any]]) -> Future[None]:
        loop, queue = self._ensure()
        done: Future[None] = Future()
        loop.call_soon_threadsafe(queue.put_nowait, (group_name, docs, done))
        return done


def _by_group(
    items: list[tuple[str, list[dict[str, Any]], Future[None]]],
) -> list[tuple[str, list[dict[str, Any]], list[Future[None]]]]:
    """Consecutive sends to one group as one: (group, its events in order, their futures)."""
    merged: list[tuple[str, list[dict[str, Any]], list[Future[None]]]] = []
    for group_name, docs, done in items:
        if merged and merged[-1][0] == group_name:
            merged[-1][1].extend(docs)
            merged[-1][2].append(done)
        else:
            merged.append((group_name, list(docs), [done]))
    return merged


def message_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The channel layer's message for a run's events: one group send, whatever their number (each
    costs round trips to Redis that a step's event would wait behind). A consumer handles both."""
    if len(docs) == 1:
        return {"type": "run.event", "event": docs[0]}
    return {"type": "run.events", "events": docs}


_sender = _Sender()


def _send(run_id: int, docs: list[dict[str, Any]]) -> None:
    if docs:
        _sender.send(group(run_id), docs)


def flush(timeout: float = 5) -> None:
    """Wait until every event queued so far has been handed to the channel layer."""
    with contextlib.suppress(TimeoutError):
        _sender.send("", []).result(timeout)


def since(run_id: int, after: int) -> list[dict[str, Any]]:
    return list(RunEvent.objects.filter(run_id=run_id, seq__gt=after).order_by("seq").values_list("data", flat=True))


def publish_step(step_id: int) -> None:
    publish_row(StepRun.objects.select_related("reused_from").get(pk=step_id))


def publish_row(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> None:
    """Publish a step from a row the caller holds up to date (saves reading it back)."""
    if getattr(_batches, "run_id", None) == step.run_id:
        _batches.items.append((copy.copy(step), infos))
        return
    if step.item is not None:
        publish(step.run_id, item_event(step))
        return
    publish(
        step.run_id,
        {"type": "step", "node": step.node, "status": step.status, "step": StepSerializer.render(step, infos)},
    )


def item_event(step: StepRun, statuses: list[str] | None = None) -> dict[str, Any]:
    """A for-each item's change, compact (a run may have thousands): the page fetches the item's
    step when someone opens it (GET /api/runs/{id}/foreach/{node}/items/{item}/)."""
    event = {"type": "item", "node": step.foreach, "item": step.item, "status": step.status}
    inner = inner_of(step.node)
    if inner:
        # an inner step of an item of a for-each over a sub-pipeline (runner.foreach): `status` is
        # the item's, rolled up from its inner steps' (`statuses`, read for a whole batch, else one
        # indexed read), `step_status` the step's own
        if statuses is None:
            others = StepRun.objects.filter(run_id=step.run_id, foreach=step.foreach, item=step.item)
            statuses = [step.status, *others.exclude(pk=step.pk).values_list("status", flat=True)]
        event["status"] = rollup(statuses)
        event["step"], event["step_status"] = inner, step.status
    return event


def publish_run(run_id: int) -> None:
    run = Run.objects.only("status", "error", "started_at", "finished_at").get(pk=run_id)
    publish(run_id, {"type": "run", **RunEventSerializer(run).data})
