"""runner.background: work off a step's clock on a few long-lived threads per process."""

from __future__ import annotations

import threading
import time

from runner import background


def test_work_runs_on_a_background_thread_and_a_failure_does_not_stop_it() -> None:
    ran: list[tuple[int, str]] = []

    def boom() -> None:
        raise RuntimeError("boom")

    def note(n: int) -> None:
        time.sleep(0.01)
        ran.append((n, threading.current_thread().name))

    background.later(boom)
    for n in range(6):
        background.later(note, n)
    assert background.idle()
    assert sorted(n for n, _ in ran) == list(range(6))
    assert all(name.startswith("pw-background-") for _, name in ran)
    # the same threads serve later work: none is started per call
    before = {t.name for t in threading.enumerate() if t.name.startswith("pw-background-")}
    background.later(note, 6)
    assert background.idle() and len(ran) == 7
    assert {t.name for t in threading.enumerate() if t.name.startswith("pw-background-")} == before
    assert len(before) == background.THREADS
