"""Signals the runner sends for the apps built on runs (they sit above the runner, so the runner
cannot call them). `run_finished(run_id=...)` is sent after a run reached its final status
(succeeded or failed) through the scheduler and that status committed; a receiver's error is
logged and never touches the run (`send_robust`). The registry's register-model hook listens to
it: registering at the end of the run lets a version carry the metrics of steps that ran beside
the register step (an evaluate step downstream of the model)."""

from __future__ import annotations

import logging

from django.dispatch import Signal

log = logging.getLogger(__name__)

run_finished = Signal()


def send_run_finished(run_id: int) -> None:
    for receiver, result in run_finished.send_robust(sender=None, run_id=run_id):
        if isinstance(result, Exception):
            log.error("run %s: %s failed: %s", run_id, getattr(receiver, "__name__", receiver), result)
