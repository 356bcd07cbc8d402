"""A step's log: appended to its file and published live as batched "log" events."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from runner import events

log = logging.getLogger(__name__)


def log_dir() -> Path:
    path = Path(settings.PIPEWRIGHT_LOG_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class LogSink:
    """Appends step output to its log file and publishes it as batched "log" events, each with the
    byte offset of its first line in the file, so a client that holds the log up to there appends
    it directly and one that does not knows what to fetch (`?offset=`)."""

    def __init__(self, run_id: int, node: str, path: Path):
        self.run_id, self.node = run_id, node
        self.file = path.open("ab")
        self.pos = self.file.tell()  # a retry appends to the earlier attempts' log
        self.start = self.pos
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def line(self, text: str) -> None:
        data = (text + "\n").encode("utf-8", errors="replace")
        with self.lock:
            self.file.write(data)
            self.file.flush()
            if not self.pending:
                self.start = self.pos
            self.pos += len(data)
            self.pending.append(text)
            if time.monotonic() - self.last > 0.2 or len(self.pending) >= 200:
                self._flush()

    def tick(self) -> None:
        """Publish lines that have waited 0.2 s: the last lines of a burst go out while the step
        is quiet, not with its next line."""
        with self.lock:
            if self.pending and time.monotonic() - self.last > 0.2:
                self._flush()

    def _flush(self) -> None:
        if self.pending:
            lines, self.pending = self.pending, []
            self.last = time.monotonic()
            try:
                events.publish(self.run_id, {"type": "log", "node": self.node, "lines": lines, "offset": self.start})
            except Exception as exc:
                log.warning("could not publish log lines: %s", exc)
                if not connection.in_atomic_block:  # a connection the database cut: a new one next time
                    connection.close_if_unusable_or_obsolete()

    def close(self) -> None:
        with self.lock:
            self._flush()
            self.file.close()
