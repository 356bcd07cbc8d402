"""Step logs, stored centrally in the database (`StepLogChunk`), never on a worker's disk.

A step has one log whose byte offsets run on across its attempts: attempt 2 appends after
attempt 1's bytes (behind a `--- attempt 2 ---` line), so `?offset=` tailing never goes back to 0
on a retry, and a dead host's flushed lines stay. The entry points:

- `append(step_id, attempt, data, at=None)` -> the offset `data` was written at (what a worker or
  a pod's log forwarder calls; `LogWriter` batches lines for it);
- `compact(step_id)` when an attempt ends (small chunks merged into pieces of ~1 MiB);
- `read(step, offset=, tail=)` for the API, `attempt_tail(step_id, attempt)` for failure messages.

Rows of steps run before this table existed keep their file (`StepRun.log_path`): `read` and
`attempt_tail` fall back to it when a step has no chunk (a read fallback, no data migration).
A cached step reads the log of the step run it reused.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max

from runner import events, failures, states
from runner.logs import LogChunk, read_log
from runner.models import StepLogChunk, StepRun

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
FLUSH_BYTES = 64 * 1024
PIECE_BYTES = 1024 * 1024  # compaction target
BACKLOG_BYTES = 8 * 1024 * 1024  # a writer that cannot flush makes the step's output wait


def end_of(step_id: int) -> int:
    """The size of the step's log so far (the offset the next chunk goes at)."""
    found = StepLogChunk.objects.filter(step_id=step_id).aggregate(end=Max(F("offset") + F("size")))["end"]
    return int(found or 0)


def append(step_id: int, attempt: int, data: bytes, at: int | None = None) -> int:
    """Append `data` to the step's log; returns its offset. `at` is where the caller believes the
    log ends (skips a query); a clash (someone else appended) is retried at the real end. Outside
    a caller's transaction the append's commit does not wait for the disk."""
    own = not connection.in_atomic_block
    for _ in range(5):
        offset = end_of(step_id) if at is None else at
        # a clash skips the row (no savepoint needed to keep a caller's transaction usable)
        with transaction.atomic() if own else contextlib.nullcontext(), connection.cursor() as cursor:
            if own:
                # committed without waiting for the disk: a crash loses at most the last moment's
                # lines (the step is run again then), and the step's record, committed after
                # them and flushed, makes them durable with it
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f'INSERT INTO {StepLogChunk._meta.db_table} (step_id, attempt, "offset", size, data)'
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
                [step_id, attempt, offset, len(data), data],
            )
            if cursor.fetchone() is not None:
                return offset
        at = None
    raise RuntimeError(f"could not append to the log of step {step_id}")


def compact(step_id: int) -> None:
    """Merge the step's consecutive small chunks (of one attempt) into pieces of ~PIECE_BYTES."""
    with transaction.atomic():
        StepRun.objects.select_for_update().filter(pk=step_id).values_list("pk", flat=True).first()
        rows = list(
            StepLogChunk.objects.filter(step_id=step_id)
            .order_by("offset")
            .values_list("pk", "attempt", "offset", "size")
        )
        groups: list[list[tuple[int, int, int, int]]] = []
        for row in rows:
            last = groups[-1] if groups else None
            if (
                last
                and last[-1][1] == row[1]
                and last[-1][2] + last[-1][3] == row[2]
                and sum(r[3] for r in last) + row[3] <= PIECE_BYTES
            ):
                last.append(row)
            else:
                groups.append([row])
        for group in groups:
            if len(group) < 2:
                continue
            ids = [r[0] for r in group]
            parts = dict(StepLogChunk.objects.filter(pk__in=ids).values_list("pk", "data"))
            data = b"".join(bytes(parts[i]) for i in ids)
            StepLogChunk.objects.filter(pk__in=ids).delete()
            StepLogChunk.objects.create(
                step_id=step_id, attempt=group[0][1], offset=group[0][2], size=len(data), data=data
            )


def owner_of(step: StepRun) -> int:
    """Whose chunks a step's log is: its own, or (cached) the step run it reused."""
    if step.status == states.CACHED and step.reused_from_id:
        return int(step.reused_from_id)
    return int(step.pk)


def _range(step_id: int, start: int, end: int | None = None) -> bytes:
    """The bytes of the step's log from `start` (to `end`), from the chunks covering them."""
    chunks = StepLogChunk.objects.filter(step_id=step_id, offset__gte=0)
    chunks = chunks.annotate(stop=F("offset") + F("size")).filter(stop__gt=start)
    if end is not None:
        chunks = chunks.filter(offset__lt=end)
    out = bytearray()
    first: int | None = None
    for offset, data in chunks.order_by("offset").values_list("offset", "data").iterator(chunk_size=16):
        if first is None:
            first = offset
        out += bytes(data)
    if first is None:
        return b""
    cut = out[start - first :] if start > first else out
    return bytes(cut if end is None else cut[: end - max(start, first)])


def read(step: StepRun, *, offset: int | None, tail: int | None) -> LogChunk:
    """The log from `offset` to its end; without an offset and with `tail`, about the last `tail`
    bytes from a line start. A step with no log yet reads as empty."""
    owner = owner_of(step)
    size = end_of(owner)
    if size == 0 and step.log_path and Path(step.log_path).is_file():  # a row from before the table
        return read_log(step.log_path, offset=offset, tail=tail)
    start = offset or 0
    if tail is not None and offset is None and size > tail:
        start = size - tail
        head = _range(owner, start, min(size, start + 64 * 1024))
        newline = head.find(b"\n")
        start = start + newline + 1 if newline >= 0 else start  # from a line start, not mid-line
    data = _range(owner, start) if start < size else b""
    return LogChunk(data=data, offset=start, size=max(size, start + len(data)))


def text(step: StepRun) -> str:
    """The whole log, decoded (tests, benchmarks)."""
    return read(step, offset=0, tail=None).data.decode("utf-8", errors="replace")


def attempt_tail(step: StepRun, attempt: int, limit: int = failures.TAIL_BYTES) -> str:
    """The end of the log as this attempt wrote it (never an earlier attempt's traceback)."""
    rows = list(
        StepLogChunk.objects.filter(step_id=step.pk, attempt=attempt)
        .order_by("-offset")
        .values_list("data", flat=True)[:64]
    )
    if not rows:
        return failures.attempt_tail(step.log_path, attempt) if step.log_path else ""
    data = b""
    for piece in rows:  # newest first
        data = bytes(piece) + data
        if len(data) >= limit:
            break
    cut = len(data) > limit
    decoded = data[-limit:].decode("utf-8", errors="replace")
    decoded = decoded.split("\n", 1)[-1] if cut else decoded
    marker = f"--- attempt {attempt} ---"
    return decoded.rsplit(marker, 1)[1] if attempt > 1 and marker in decoded else decoded


class LogWriter:
    """A step attempt's log as it runs: lines appended to the database in batches (every
    FLUSH_SECONDS, or at FLUSH_BYTES) by its own thread (started once lines have waited
    FLUSH_SECONDS, or at the backend's next poll; the last batch goes out with the step's record,
    or from close(), on the caller's connection), each batch then published as one
    "log" event with the offset its first line has in the stored log. Past
    PIPEWRIGHT_LOG_MAX_BYTES one line says the log was cut and later lines are dropped."""

    def __init__(self, run_id: int, step_id: int, node: str, attempt: int):
        self.run_id, self.step_id, self.node, self.attempt = run_id, step_id, node, attempt
        self.limit = int(settings.PIPEWRIGHT_LOG_MAX_BYTES)
        # a retry goes on after the earlier attempts' bytes; a first attempt's log is empty (and
        # were it not, the first append would clash and go on at the real end)
        self.pos = end_of(step_id) if attempt > 1 else 0
        self.kept = self.pos
        # chunks stored before this attempt (an earlier attempt's, compacted unless its worker
        # died), and how many this writer stored: close() compacts only when there is anything
        # to merge, so a step with one flush or none skips that transaction
        self.inherited = self.pos > 0
        self.flushes = 0
        self.pending: list[str] = []
        self.pending_bytes = 0
        self.cut = False
        self.cond = threading.Condition()
        self.closing = False
        self._uncommitted: tuple[int, int] | None = None  # (pos, flushes) before a flush_rest
        self.since = 0.0  # time.monotonic() of the oldest pending line
        # started once lines wait (`_start`): a short step costs no thread and no join
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"log-{step_id}")

    def line(self, text: str) -> None:
        data_len = len(text.encode("utf-8", errors="replace")) + 1
        with self.cond:
            if self.cut:
                return
            if self.kept + data_len > self.limit:
                self.cut = True
                text = f"--- log cut: it reached {self.limit} bytes; later lines are not kept ---"
                data_len = len(text) + 1
            while self.pending_bytes > BACKLOG_BYTES and not self.closing:
                self.cond.wait(0.5)  # the database is behind: the step's output waits
            if not self.pending:
                self.since = time.monotonic()
            self.pending.append(text)
            self.pending_bytes += data_len
            self.kept += data_len
            if self.pending_bytes >= FLUSH_BYTES or time.monotonic() - self.since >= FLUSH_SECONDS:
                self._start()
            if self.pending_bytes >= FLUSH_BYTES:
                self.cond.notify_all()

    def tick(self) -> None:
        """Polled by the compute backend while the step runs (every 0.1-0.25 s): lines waiting
        start the writer thread, which flushes them at once and then every FLUSH_SECONDS."""
        with self.cond:
            if self.pending:
                self._start()

    def _start(self) -> None:
        """Start the writer thread unless it runs or the writer stopped (under `cond`). Not at the
        first line: a short step's lines all go out with its record, and the step never waited for
        a thread to start and to be joined."""
        if self.thread.ident is None and not self.closing:
            self.thread.start()

    def _run(self) -> None:
        waited = False  # started with lines waiting: they go out at once
        try:
            while True:
                with self.cond:
                    if waited and not self.closing and self.pending_bytes < FLUSH_BYTES:
                        self.cond.wait(FLUSH_SECONDS)
                    waited = True
                    if self.closing:
                        # what is left goes out from close(), on the step's own connection: a step
                        # shorter than FLUSH_SECONDS never opens one for this thread
                        break
                    lines, self.pending = self.pending, []
                    size, self.pending_bytes = self.pending_bytes, 0
                    self.cond.notify_all()
                if lines and not self._flush(lines):
                    with self.cond:  # keep them for the next try
                        self.pending[:0] = lines
                        self.pending_bytes += size
                    time.sleep(FLUSH_SECONDS)
        finally:
            connection.close()  # this thread's own connection, if it opened one

    def _flush(self, lines: list[str]) -> bool:
        """Store a batch and its "log" event in one transaction, whose commit does not wait for
        the disk (as `append`'s), or in the caller's; on failure nothing is stored and the caller
        keeps the lines."""
        data = "".join(f"{line}\n" for line in lines).encode("utf-8", errors="replace")
        own = not connection.in_atomic_block
        event = {"type": "log", "node": self.node, "lines": lines}
        try:
            if own:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    offset = append(self.step_id, self.attempt, data, at=self.pos)
                    events.publish(self.run_id, {**event, "offset": offset})
            else:  # the caller's transaction (flush_rest): a clashing append leaves it usable
                offset = append(self.step_id, self.attempt, data, at=self.pos)
                events.publish(self.run_id, {**event, "offset": offset})
        except Exception as exc:  # e.g. the connection was cut: a new one next time
            log.warning("could not store log lines of step %s: %s", self.step_id, exc)
            if own:
                connection.close()
            return False
        self.pos = offset + len(data)
        self.flushes += 1
        return True

    def stop(self) -> None:
        """Stop the writer thread (its batches are stored); what is left stays pending for
        `flush_rest` or `close`."""
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        if self.thread.ident is not None:
            self.thread.join(timeout=60)

    def flush_rest(self) -> None:
        """Inside the caller's transaction (the step's record): store what is left with it, one
        commit for both. The lines stay pending until that commit, so a `close` after a rollback
        stores them on its own."""
        with self.cond:
            lines = list(self.pending)
        if not lines:
            return
        before = (self.pos, self.flushes)
        if self._flush(lines):
            self._uncommitted = before

            def committed() -> None:
                with self.cond:
                    del self.pending[: len(lines)]
                    self.pending_bytes = sum(len(x.encode("utf-8", errors="replace")) + 1 for x in self.pending)
                self._uncommitted = None

            transaction.on_commit(committed)

    def close(self) -> None:
        """Stop the writer thread, store what is left from the calling thread (whose connection
        is open already), then compact the step's chunks when there are several (one flush or
        none, the common case of a short step, leaves nothing to merge)."""
        self.stop()
        if self._uncommitted is not None:  # a flush_rest whose transaction rolled back
            self.pos, self.flushes = self._uncommitted
            self._uncommitted = None
        with self.cond:
            lines, self.pending, self.pending_bytes = self.pending, [], 0
        if lines and not self._flush(lines):
            self._flush(lines)  # once more, on a new connection
        if self.flushes < 2 and not self.inherited:
            return
        try:
            compact(self.step_id)
        except Exception as exc:
            log.warning("could not compact the log of step %s: %s", self.step_id, exc)
