"""runner.heartbeats: one thread per worker process beats for every running step of it, and tells
a step whose attempt is no longer this worker's to stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Q

from runner import heartbeats, runs
from runner.models import StepRun
from tests.runner.fixtures import make_version, step


def _wait(check: Callable[[], bool], seconds: float = 5) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_one_thread_beats_every_running_step_and_a_lost_attempt_is_told(
    transactional_db: Any, settings: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_HEARTBEAT = 0.1
    version = make_version(acme, [step(f"s{i}", modules_acme["emit"]) for i in range(3)])
    run = runs.create_run(version, {}, False, alice)
    rows = list(StepRun.objects.filter(run=run).order_by("id"))
    epoch = "2000-01-01T00:00:00Z"
    for row in rows:  # running, as a worker's claim leaves them
        StepRun.objects.filter(pk=row.pk).update(status="running", worker_id="w1", attempt=1, heartbeat_at=epoch)
    mine = Q(worker_id="w1", attempt=1)
    started = [heartbeats.start(row.pk, mine) for row in rows]
    try:
        beaten = StepRun.objects.filter(pk__in=[r.pk for r in rows], heartbeat_at__gt=epoch)
        assert _wait(lambda: beaten.count() == 3), "every running step beats"
        assert [t.name for t in threading.enumerate()].count("pw-heartbeats") == 1
        # the sweep takes the second over: its attempt is lost, the others beat on
        StepRun.objects.filter(pk=rows[1].pk).update(status="queued", worker_id="", heartbeat_at=epoch)
        assert _wait(started[1][1].is_set), "the lost attempt is told"
        assert not started[0][1].is_set() and not started[2][1].is_set()
        # a step whose attempt ended beats no more
        heartbeats.stop(started[0][0])
        time.sleep(0.25)  # past a beat already under way
        StepRun.objects.filter(pk=rows[0].pk).update(heartbeat_at=epoch)
        StepRun.objects.filter(pk=rows[2].pk).update(heartbeat_at=epoch)
        assert _wait(lambda: StepRun.objects.filter(pk=rows[2].pk, heartbeat_at__gt=epoch).exists())
        time.sleep(0.3)
        assert StepRun.objects.filter(pk=rows[0].pk, heartbeat_at=epoch).exists()
    finally:
        for token, _ in started:
            heartbeats.stop(token)
