"""Signals the runner sends for the apps built on runs (they sit above the runner, so the runner
cannot call them). `step_succeeded(step=StepRun)` is sent after a step that executed (not one
reused from the cache) committed its outputs; a receiver's error is logged and never fails the
step (`send_robust`). The registry's register-model hook listens to it."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

log = logging.getLogger(__name__)

step_succeeded = Signal()


def send_step_succeeded(step: Any) -> None:
    for receiver, result in step_succeeded.send_robust(sender=type(step), step=step):
        if isinstance(result, Exception):
            log.error("step %s: %s failed: %s", step.pk, getattr(receiver, "__name__", receiver), result)
