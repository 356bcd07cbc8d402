"""Every status change of a run or step: a conditional UPDATE ... WHERE status IN (sources) that
acts only when exactly one row changed, so two workers can never both start or finish a step."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from runner import states
from runner.models import Run, StepRun


def move_step(step_id: int, to: str, *, extra: Q | None = None, **fields: Any) -> bool:
    qs = StepRun.objects.filter(pk=step_id, status__in=states.sources(states.STEP_TRANSITIONS, to))
    if extra is not None:
        qs = qs.filter(extra)
    return qs.update(status=to, **fields) == 1


def move_run(run_id: int, to: str, **fields: Any) -> bool:
    qs = Run.objects.filter(pk=run_id, status__in=states.sources(states.RUN_TRANSITIONS, to))
    return qs.update(status=to, **fields) == 1


def stamp(at: float | datetime | None = None) -> str:
    """A point of `StepRun.timings`: an ISO timestamp (UTC) of `at` (time.time() seconds or an
    aware datetime), or of now."""
    if isinstance(at, datetime):
        return at.isoformat()
    return datetime.fromtimestamp(time.time() if at is None else at, tz=UTC).isoformat()
