"""Work a worker does off a step's clock (a finished container's removal, an attempt's work
folder), on a few long-lived threads per process instead of a new thread each time.

A new thread's `start()` waits until the thread has run, and in a busy worker (eight steps'
bookkeeping at once in a threads pool, or a step's own log and heartbeat threads) that wait for
the interpreter lock was on the step's path: a chain's next step was claimed only after it. Here
the step puts the work on a queue and goes on. What is queued when the process dies is left to
the sweep and each host's janitor, which remove any container and folder no running attempt owns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

THREADS = 2  # a container's removal is an engine round trip of tens of ms: two keep up with a fan-out

_lock = threading.Lock()
_queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] | None = None
_pid = 0


def later(fn: Callable[..., Any], *args: Any) -> None:
    """Run `fn(*args)` on one of this process's background threads (started at the first call,
    and again in a forked child); its exceptions are logged, never raised."""
    global _queue, _pid
    with _lock:
        if _queue is None or _pid != os.getpid():
            _queue, _pid = queue.SimpleQueue(), os.getpid()
            for n in range(THREADS):
                threading.Thread(target=_work, args=(_queue,), name=f"pw-background-{n}", daemon=True).start()
        work = _queue
    work.put((fn, args))


def _work(work: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
    while True:
        fn, args = work.get()
        try:
            fn(*args)
        except Exception:
            log.warning("background work %s failed", getattr(fn, "__name__", fn), exc_info=True)


def idle(timeout: float = 5) -> bool:
    """Wait until what was queued before this call has run (tests); False on a timeout."""
    done = [threading.Event() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def mark(event: threading.Event) -> None:
        try:
            barrier.wait(timeout)  # every thread past its earlier work
        except threading.BrokenBarrierError:
            return
        event.set()

    for event in done:
        later(mark, event)
    return all(event.wait(timeout) for event in done)
