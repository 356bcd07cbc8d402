"""Heartbeats of the steps a worker process runs, from one long-lived thread per process.

A running step's row gets `heartbeat_at = now()` every `PIPEWRIGHT_HEARTBEAT` seconds while its
attempt is this worker's; the sweep retries a step silent longer than the timeout. When the
update matches nothing, the attempt is no longer this worker's (canceled, or taken over by the
sweep) and the step is told to stop (its `lost` event). One thread beats for every step of the
process, on its own database connection, instead of a thread per step: a new thread's start
waited for the interpreter lock on the step's path, before its container started.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Now

from runner import states
from runner.models import StepRun

log = logging.getLogger(__name__)


def interval() -> float:
    return float(settings.PIPEWRIGHT_HEARTBEAT)


@dataclass
class _Beat:
    step_id: int
    mine: Q
    lost: threading.Event
    due: float  # time.monotonic() of its next beat


@dataclass
class _Beats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    steps: dict[int, _Beat] = field(default_factory=dict)
    pid: int = 0


_beats = _Beats()
_tokens = itertools.count(1)


def start(step_id: int, mine: Q) -> tuple[int, threading.Event]:
    """Beat for a running attempt (its row's `worker_id` and `attempt` in `mine`) from now on, the
    first beat one interval from now; returns a token for `stop` and the event set if the attempt
    is lost."""
    lost = threading.Event()
    token = next(_tokens)
    with _beats.lock:
        if _beats.pid != os.getpid():  # the first step of this process (or of a forked child)
            _beats.steps.clear()
            _beats.pid = os.getpid()
            threading.Thread(target=_run, name="pw-heartbeats", daemon=True).start()
        _beats.steps[token] = _Beat(step_id, mine, lost, time.monotonic() + interval())
    return token, lost


def stop(token: int) -> None:
    with _beats.lock:
        _beats.steps.pop(token, None)


def _run() -> None:
    pid = os.getpid()
    while _beats.pid == pid:
        with _beats.lock:
            now = time.monotonic()
            due = [b for b in _beats.steps.values() if b.due <= now]
            soonest = min((b.due for b in _beats.steps.values()), default=now + interval())
            idle = not _beats.steps
        for beat in due:
            _one(beat)
            beat.due = time.monotonic() + interval()
        if idle and connection.connection is not None:
            connection.close()  # nothing to beat for: no connection held while the worker idles
        if not due:
            time.sleep(min(max(soonest - time.monotonic(), 0.01), interval()))


def _one(beat: _Beat) -> None:
    try:
        moved = (
            StepRun.objects.filter(pk=beat.step_id, status=states.RUNNING).filter(beat.mine).update(heartbeat_at=Now())
        )
        if moved == 0:
            beat.lost.set()
    except Exception as exc:  # e.g. its database connection was cut: a new one next beat
        log.warning("heartbeat failed (retrying with a new connection): %s", exc)
        connection.close()
